"""Lowering: a graph becomes one kernel of loop nests.

Only a few nodes get a buffer: the kernel's outputs, reductions and
contractions (their sums need a loop), scatters, and arithmetic that a
contraction would otherwise recompute for every term.  Everything else --
elementwise chains, reshapes, transposes, broadcasts, slices, rolls,
concatenations, gathers -- is inlined as an element formula at the index
its consumer asks for.  Materialised nodes with the same loop domain and no
dependence between them share a loop nest (the primal sum and its tangent
sum are one pass), and ``sympy.cse`` simplifies the whole body of a nest.
"""

import functools
import itertools
import keyword
import re
import sys
import unicodedata

import numpy as np
import sympy as sp

from .. import tuning
from ..graph import elementwise as E
from ..graph import ops
from .boundaries import split_boundaries
from .per_point import lower_per_point
from .kernel_ir import Buffer, Kernel, Nest, distinct_subexpressions, floordiv, imod, index_equal, loop_variable, opaque

#: Names the generated code uses itself (``inv``: codegen/hoisting.py).
_RESERVED = re.compile(r"^((i|r|t|acc|buf|out|const|table|inv)\d+|view\d+(_\d+)?|fast_[a-z0-9]+|sj_\w+|reassociable_add)$")
#: Names the generated modules use (the CUDA ones among them: codegen/numba_cuda.py).
_RESERVED_NAMES = {"np", "math", "prange", "numba", "range", "abs", "max", "min", "kernel"} | {
    "cuda", "float64", "JIT", "stream", "grid", "blocks"
}


def c_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


class Index:
    """The index of one element: a multi-index, a flat C-order index, or both."""

    __slots__ = ("shape", "_multi", "_flat")

    def __init__(self, shape, multi=None, flat=None):
        self.shape = tuple(shape)
        self._multi = None if multi is None else tuple(sp.sympify(m) for m in multi)
        self._flat = None if flat is None else sp.sympify(flat)

    def multi(self):
        if self._multi is None:
            out = []
            for k, (n, s) in enumerate(zip(self.shape, c_strides(self.shape))):
                if n == 1:
                    out.append(sp.S.Zero)
                    continue
                q = floordiv(self._flat, s)
                out.append(q if k == 0 else imod(q, n))
            self._multi = tuple(out)
        return self._multi

    def flat(self):
        if self._flat is None:
            terms = [m * s for m, s, n in zip(self._multi, c_strides(self.shape), self.shape) if n != 1]
            self._flat = sp.Add(*terms)
        return self._flat

    def key(self):
        return ("m", self._multi) if self._multi is not None else ("f", self._flat)


def _broadcast_index(index, out_shape, shape):
    if tuple(shape) == tuple(out_shape):
        return index
    lead = len(out_shape) - len(shape)
    multi = index.multi()[lead:]
    return Index(shape, multi=[m if n != 1 else 0 for m, n in zip(multi, shape)])


@functools.lru_cache(maxsize=1 << 16)
def _clamp(expr, n):
    """``expr`` clamped to [0, n - 1] (remembered: SymPy's Min and Max query assumptions about their arguments)."""
    if expr.is_Integer:
        return sp.Integer(min(max(int(expr), 0), n - 1))
    return sp.Min(sp.Max(expr, 0), n - 1)


def input_names(graph):
    """The kernel parameter name of each input: its own, unless it clashes with a generated one."""
    taken = set()
    return [_identifier(x.op.name, taken) for x in graph.inputs]


def _identifier(name, taken):
    """An ASCII identifier for a user's name that no other name and nothing generated can equal.

    Python reads identifiers in NFKC form (``ｏｕｔ0`` is ``out0``, ``ﬁ`` is ``fi``),
    so names are normalized before they are compared.
    """
    name = re.sub(r"[^0-9A-Za-z_]", "_", unicodedata.normalize("NFKC", name)) or "arg"
    if name[0].isdigit():
        name = "_" + name
    while keyword.iskeyword(name) or name in _RESERVED_NAMES or _RESERVED.match(name) or name in taken:
        name += "_"
    taken.add(name)
    return name


def _operation_counts(expressions):
    """{operation (``Add``, ``exp``, ...): how often} in ``expressions``, each distinct subexpression once.

    That is the code CSE leaves.  SymPy's ``count_ops`` walks the expression
    tree instead, which doubles with every reuse of a value: an integrator's
    steps made it take minutes.  Indices and negations are not counted.
    """
    counts = {}
    for expression in distinct_subexpressions(expressions):
        name = type(expression).__name__
        if name == "Mul" and expression.args[0] == -1:
            arity = len(expression.args) - 2
        else:
            arity = len(expression.args) - 1 if name in ("Add", "Mul", "Max", "Min", "And", "Or") else 1
        if arity > 0:
            counts[name] = counts.get(name, 0) + arity
    return counts


def _weighted_operations(expressions):
    """The operation count, an inline transcendental counted at its size (tuning.INLINE_COSTS)."""
    costs = dict(tuning.INLINE_COSTS)
    return sum(count * costs.get(op, 1) for op, count in _operation_counts(expressions).items())


def _reduced_terms(node):
    """How many terms each element of a reduction combines (0 for other ops)."""
    op = node.op
    if isinstance(op, ops.Contract) and op.summed:
        return int(np.prod([op.size_of[c] for c in op.summed], dtype=np.int64))
    if isinstance(op, ops.Extremum):
        return int(np.prod([node.inputs[0].shape[a] for a in op.axes], dtype=np.int64))
    return 0


#: What costs more than arithmetic to carry through SymPy and to compute again.
_FUNCTIONS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.erf, sp.erfc, sp.loggamma, E.sigmoid)


def _calls_a_function(node):
    return isinstance(node.op, ops.Elementwise) and node.op.formula.has(*_FUNCTIONS)


def _is_reduction(node):
    """Needs a loop nest of its own: a scatter, a reduction too long to write out, or a count.

    A count (an integer sum of conditions: a rank, an argmax) is compared
    with other values where it is used; written out inline, every comparison
    would carry the whole sum of Piecewise terms through SymPy.
    """
    terms = _reduced_terms(node)
    return (
        isinstance(node.op, (ops.ScatterAdd, ops.PutAdd))
        or terms > tuning.INLINE_REDUCTION_TERMS
        or (terms > 1 and node.dtype.kind in "biu")
    )


class _Lowering:
    def __init__(self, graph):
        self.graph = graph
        self.order = graph.nodes()
        self.memo = {}
        self.unroll_budget = tuning.UNROLL_KERNEL_OPERATIONS
        self.opaque_tags = itertools.count()
        self.roll_origin = {}
        self.arguments = []
        self.read_name = {}
        self.table_name = {}
        for x, name in zip(graph.inputs, input_names(graph)):
            self._argument(x, name, shape=x.shape)
        self.constants = []
        for node in self.order:
            if isinstance(node.op, ops.Constant):
                self._argument(node, f"const{len(self.constants)}")
                self.constants.append(np.ascontiguousarray(node.op.value.array).reshape(-1))
            if isinstance(node.op, (ops.Gather, ops.ScatterAdd)) and node.op.table not in self.table_name:
                name = f"table{len(self.table_name)}"
                self.table_name[node.op.table] = name
                table = np.ascontiguousarray(node.op.table.array, dtype=np.int64).reshape(-1)
                self.arguments.append(Buffer(name, table.size, table.dtype, "argument"))
                self.constants.append(table)
        self.materialized = self._choose_materialized()

    def _argument(self, node, name, shape=None):
        """A kernel argument; user names were made distinct from internal ones by ``_identifier``."""
        self.read_name[id(node)] = name
        self.arguments.append(Buffer(name, node.size, node.dtype, "argument", shape=shape))

    # ------------------------------------------------------------ planning

    def _choose_materialized(self):
        chosen = {}
        has_arithmetic, has_function, has_sum = {}, {}, {}
        #: The nodes each node's formula carries inline: a chain that no buffer cuts (a vjp's running
        #: cotangent over an integrator's steps) would carry the whole program into every consumer.
        carried = {}

        def materialize(x):
            """``x`` gets a buffer: its consumers read it, so it carries nothing into them."""
            chosen[id(x)] = x
            has_arithmetic[id(x)] = has_function[id(x)] = has_sum[id(x)] = 0

        for node in self.order:
            if id(node) in self.read_name:
                has_arithmetic[id(node)] = has_function[id(node)] = has_sum[id(node)] = 0
                carried[id(node)] = frozenset()
                continue
            carried[id(node)] = frozenset((id(node),)).union(*(carried[id(x)] for x in node.inputs if id(x) not in chosen))
            if len(carried[id(node)]) > tuning.INLINE_MAX_NODES:
                chosen[id(node)] = node
                carried[id(node)] = frozenset()
            terms = _reduced_terms(node) if not _is_reduction(node) else 0
            inner = max((has_sum[id(x)] for x in node.inputs), default=0)
            if terms and terms * max(inner, 1) > tuning.INLINE_NESTED_TERMS:
                # Sums written out inline over terms that hold such sums multiply their sizes (a GMM's
                # quadratic form inside its log-sum-exp, inside its gradient): the inner sums get buffers.
                for x in node.inputs:
                    if has_sum[id(x)]:
                        materialize(x)
                inner = 0
            has_sum[id(node)] = terms * max(inner, 1) if terms else inner
            has_arithmetic[id(node)] = isinstance(node.op, ops.Elementwise) or any(
                has_arithmetic[id(x)] for x in node.inputs
            )
            has_function[id(node)] = _calls_a_function(node) or any(has_function[id(x)] for x in node.inputs)
            if isinstance(node.op, ops.Embed) or (isinstance(node.op, ops.Concat) and len(node.inputs) > 2):
                # Read at an index it cannot decide, each piece carries its whole formula into every
                # consumer through SymPy (an LSTM's four gates, a vjp's cotangent pieces): computed once
                # instead.  Two pieces (a residual's x and y) are cheap to carry, and fused they are
                # 2x faster per call (bundle adjustment's jvp: 7 against 16 ms).
                for x in node.inputs:
                    if has_function[id(x)]:
                        materialize(x)
                has_function[id(node)] = False
                has_arithmetic[id(node)] = any(has_arithmetic[id(x)] for x in node.inputs)
            if _is_reduction(node):
                materialize(node)
            elif _reduced_terms(node):
                has_arithmetic[id(node)] = True
        for node in self.order:
            if _is_reduction(node) and len(node.inputs) > 1:
                for x in node.inputs:
                    if has_arithmetic[id(x)]:
                        chosen[id(x)] = x
        for out in self.graph.outputs:
            if out is not None:
                chosen[id(out)] = out
        return [n for n in self.order if id(n) in chosen]

    def _reads(self, node):
        """Materialised nodes whose buffers computing ``node`` inline reads."""
        found, stack, seen = set(), list(node.inputs), set()
        while stack:
            x = stack.pop()
            if id(x) in seen:
                continue
            seen.add(id(x))
            if id(x) in self.store_name and x is not node:
                found.add(id(x))
            elif id(x) not in self.read_name:
                stack.extend(x.inputs)
        return found

    def _signature(self, node):
        op = node.op
        if not _is_reduction(node):
            return ("map", node.shape)
        if isinstance(op, ops.Contract):
            return ("reduce", node.shape, tuple(op.size_of[c] for c in op.summed))
        if isinstance(op, ops.Extremum):
            return ("reduce", node.shape, tuple(node.inputs[0].shape[a] for a in op.axes))
        if isinstance(op, (ops.ScatterAdd, ops.PutAdd)):
            return ("scatter", id(node))
        return ("map", node.shape)

    # ------------------------------------------------------------ elements

    def element(self, node, index):
        key = (id(node), index.key())
        if key not in self.memo:
            name = self.read_name.get(id(node))
            self.memo[key] = self._read(name, node, index) if name else self.compute(node, index)
        return self.memo[key]

    @staticmethod
    def _read(name, node, index):
        """An element of a buffer, known to SymPy as real (an integer for integer buffers).

        Without the assumption, ``tanh(expr)`` asks ``expr.as_real_imag()``
        whether it is real, which expands the whole expression: a 1-step
        LSTM's vjp took 100 s to lower.
        """
        kind = np.dtype(node.dtype).kind
        value = sp.IndexedBase(name, **({"integer": True} if kind in "iub" else {"real": True}))[index.flat()]
        return sp.Ne(value, 0) if node.dtype == np.bool_ else value

    def compute(self, node, index):
        op = node.op
        if isinstance(op, (ops.Input, ops.Constant)):
            return self._read(self.read_name[id(node)], node, index)
        if isinstance(op, ops.Fill):
            if node.dtype == np.bool_:
                return sp.true if op.value else sp.false
            return sp.sympify(op.value) if float(op.value).is_integer() else sp.Float(op.value, 17)
        if isinstance(op, ops.Eye):
            multi = index.multi()
            column = Index(op.inner, multi=multi[1:]).flat()
            return sp.Piecewise((1, index_equal(multi[0], column)), (0, True))
        if isinstance(op, ops.Elementwise):
            free = op.formula.free_symbols
            values = [self.element(x, _broadcast_index(index, node.shape, x.shape)) for x in node.inputs]
            placeholders = [E.C[k] if E.C[k] in free else E.A[k] for k in range(len(values))]
            return self._composed(op.formula, node.inputs, placeholders, values)
        if isinstance(op, (ops.Contract, ops.Extremum)):
            return self._written_out_reduction(node, index)
        (x,) = node.inputs if len(node.inputs) == 1 else (None,)
        if isinstance(op, ops.Reshape):
            return self.element(x, Index(x.shape, flat=index.flat()))
        if isinstance(op, ops.Slice):
            multi = [s + st * m for s, st, m in zip(op.starts, op.steps, index.multi())]
            return self.element(x, Index(x.shape, multi=multi))
        if isinstance(op, ops.Embed):
            return self._embed(node, index)
        if isinstance(op, ops.Roll):
            multi = list(index.multi())
            multi[op.axis] = self._rolled(multi[op.axis], op.shift, x.shape[op.axis])
            return self.element(x, Index(x.shape, multi=multi))
        if isinstance(op, ops.Concat):
            return self._concat(node, index)
        if isinstance(op, ops.Gather):
            multi = index.multi()
            tnd = op.table.array.ndim
            position = Index(op.table.array.shape, multi=multi[op.axis : op.axis + tnd]).flat()
            picked = sp.IndexedBase(self.table_name[op.table])[position]
            source = multi[: op.axis] + (picked,) + multi[op.axis + tnd :]
            return self.element(x, Index(x.shape, multi=source))
        if isinstance(op, ops.Take):
            x, indices = node.inputs
            multi = index.multi()
            picked = self._run_time_index(op, indices, multi, x.shape[op.axis])
            return self.element(x, Index(x.shape, multi=multi[: op.axis] + (picked,) + multi[op.axis + indices.ndim - op.batch :]))
        raise AssertionError(f"{type(op).__name__} has no inline element rule")


    def _composed(self, formula, inputs, placeholders, values):
        """``formula`` of the operand values, as IEEE arithmetic computes it.

        SymPy's automatic simplification combines what it can: ``x - x`` is 0,
        ``(x + y) - y`` is x, ``(3*x)/3`` is x, ``exp(log(x))`` is x -- exact
        only for finite values in range, and not even then in rounding.  Where
        the composition comes out with fewer operations than were written, the
        operands are made opaque, so the arithmetic happens at run time.  A fill
        that ``build.ew`` refused to fold (``x * 0.0``) is opaque always.
        """
        numeric = [x.dtype != np.bool_ for x in inputs]
        fills = [is_number and isinstance(x.op, ops.Fill) for x, is_number in zip(inputs, numeric)]
        if not any(fills):
            # Numbers here are structural (an identity's 0 and 1 in a Jacobian): folding them is the point.
            formula = formula.xreplace({p: v for p, v in zip(placeholders, values) if v.is_Number})
            rest = [(p, v) for p, v in zip(placeholders, values) if not v.is_Number]
            plain = formula.xreplace(dict(rest))
            try:
                with sp.evaluate(False):
                    written = formula.xreplace(dict(rest))
            except TypeError:  # SymPy cannot keep some relations of infinities unevaluated; opaque is exact
                written = None
            if written is not None and _weighted_operations([plain]) >= _weighted_operations([written]):
                return plain
        kept = [opaque(v, next(self.opaque_tags)) if is_number else v for v, is_number in zip(values, numeric)]
        return formula.xreplace(dict(zip(placeholders, kept)))

    def _rolled(self, m, shift, n):
        """The index ``(m - shift) mod n`` without a division; rolls of rolls add their shifts."""
        base, earlier = self.roll_origin.get(m, (m, 0))
        total = (shift + earlier) % n
        if total == 0:
            return base
        if base.is_Integer:
            return sp.Integer((int(base) - total) % n)
        rolled = sp.Piecewise((base - total + n, base < total), (base - total, True))
        self.roll_origin[rolled] = (base, total)
        return rolled

    def _written_out_reduction(self, node, index):
        """A contraction without sums, or a short reduction, as one expression."""
        op = node.op
        out_vars = index.multi()
        if isinstance(op, ops.Contract):
            sizes = [op.size_of[c] for c in op.summed]
        else:
            sizes = [node.inputs[0].shape[a] for a in op.axes]
        terms = [self._reduction_term(node, out_vars, combo) for combo in np.ndindex(*sizes)]
        if isinstance(op, ops.Extremum):
            return (sp.Max if op.kind == "max" else sp.Min)(*terms)
        return sp.Add(*terms)

    def _product(self, node, letter):
        op = node.op
        factors = []
        for x, spec in zip(node.inputs, op.specs):
            factors.append(self.element(x, Index(x.shape, multi=[letter[c] for c in spec])))
        return sp.Mul(*factors)

    def _embed(self, node, index):
        op = node.op
        (x,) = node.inputs
        conditions, source = [], []
        for j, s, st, n, full in zip(index.multi(), op.starts, op.steps, x.shape, op.out_shape):
            if st > 0:
                offset, stride = j - s, st
                conditions += [j >= s, j <= s + st * (n - 1)]
            else:
                offset, stride = s - j, -st
                conditions += [j <= s, j >= s + st * (n - 1)]
            if stride != 1:
                conditions.append(index_equal(imod(offset, stride), 0))
            source.append(_clamp(floordiv(offset, stride), n))
        inside = sp.And(*conditions)
        value = self.element(x, Index(x.shape, multi=source))
        if node.dtype == np.bool_:
            return sp.And(inside, value)
        return sp.Piecewise((value, inside), (0, True))

    def _concat(self, node, index):
        op = node.op
        multi = list(index.multi())
        m = multi[op.axis]
        pieces, offset = [], 0
        for k, x in enumerate(node.inputs):
            n = x.shape[op.axis]
            local = list(multi)
            local[op.axis] = _clamp(m - offset, n)
            value = self.element(x, Index(x.shape, multi=local))
            offset += n
            last = k == len(node.inputs) - 1
            pieces.append((value, True if last else m < offset))
        return sp.Piecewise(*pieces)

    # ------------------------------------------------------------ nests

    def build(self, name, header):
        self.store_name = {}
        temporaries, taken_out = [], 0
        outputs_by_id = {id(o): o for o in self.graph.outputs if o is not None}
        for node in self.materialized:
            is_output = id(node) in outputs_by_id
            name_ = f"out{taken_out}" if is_output else f"buf{len(temporaries) - taken_out}"
            taken_out += is_output
            zero = isinstance(node.op, (ops.ScatterAdd, ops.PutAdd))
            role = "output" if is_output else "temporary"
            passed_in = node.size * np.dtype(node.dtype).itemsize >= tuning.CALLER_ALLOCATES_BYTES
            shape = node.shape if is_output else None
            temporaries.append(Buffer(name_, node.size, node.dtype, role, zero, passed_in, shape))
            self.store_name[id(node)] = name_
            if id(node) not in self.read_name:
                self.read_name[id(node)] = name_

        level, groups = {}, {}
        for node in self.materialized:
            level[id(node)] = 1 + max((level[r] for r in self._reads(node)), default=0)
            groups.setdefault((level[id(node)], self._signature(node)), []).append(node)
        self.symbols = sp.numbered_symbols("t")
        self.accumulator_count = 0
        fused = self._fusable_maps(groups)
        nests = []
        for (lvl, signature), members in sorted(groups.items(), key=lambda kv: kv[0][0]):
            if signature[0] == "map":
                if (lvl, signature) not in fused.values():
                    nests.append(self._map_nest(signature[1], members))
            elif signature[0] == "reduce":
                extra = groups.get(fused.get((lvl, signature)), [])
                nests.append(self._reduce_nest(signature[1], signature[2], members, extra))
            else:
                nests.append(self._scatter_nest(members[0]))
        nests = [piece for nest in nests for piece in split_boundaries(nest)]
        outputs = [self.store_name[id(o)] for o in self.graph.outputs if o is not None]
        return Kernel(name, self.arguments, temporaries, outputs, nests, header)

    @staticmethod
    def _fusable_maps(groups):
        """reduce group -> map group over (its output shape + its reduced shape), at the same level.

        Such a map is computed inside the reduction's inner loop, so both read
        their inputs in one pass (a vjp's primal sum and its per-element cotangent).
        """
        fused = {}
        for (lvl, signature) in groups:
            if signature[0] != "reduce":
                continue
            shape, reduced = signature[1], signature[2]
            trips = int(np.prod(shape + reduced, dtype=np.int64))
            partner = (lvl, ("map", tuple(shape) + tuple(reduced)))
            if partner in groups and trips > tuning.UNROLL_MAX_TRIPS and partner not in fused.values():
                fused[(lvl, signature)] = partner
        return fused

    def _cse(self, expressions):
        replacements, reduced = sp.cse(expressions, symbols=self.symbols, order="none")
        return replacements, reduced

    @staticmethod
    def _loops(prefix, extents):
        """Loop variables for ``extents``; an axis of length 1 gets index 0 and no loop."""
        variables = [loop_variable(f"{prefix}{k}") if n != 1 else sp.S.Zero for k, n in enumerate(extents)]
        return variables, [(v, n) for v, n in zip(variables, extents) if n != 1]

    def _may_unroll(self, trips, operations):
        """Within the per-nest limits and what is left of the kernel's budget, which this then spends."""
        cost = trips * operations
        if trips > tuning.UNROLL_MAX_TRIPS or cost > min(tuning.UNROLL_MAX_OPERATIONS, self.unroll_budget):
            return False
        self.unroll_budget -= cost
        return True

    def _unrolled_length(self, shape, members):
        """How many trailing axes of ``shape`` to unroll (0: keep every loop).

        Unrolled, an element whose value depends on its index through a test
        (an identity's 0 or 1, a boundary, a concatenation) loses the test and
        often most of its arithmetic -- if the test reads only the unrolled
        indices.  Otherwise the same code is written out ``trips`` times, which
        only costs compile time: such a nest counts as heavy enough to unroll
        only ``tuning.UNROLL_PLAIN_TRIPS`` times.
        """
        variables, _ = self._loops("i", shape)
        index = Index(shape, multi=variables)
        values = [self.compute(node, index) for node in members]
        operations = _weighted_operations(values) + 1
        tests = [
            frozenset().union(*(condition.free_symbols for _, condition in e.args))
            for e in distinct_subexpressions(values)
            if isinstance(e, sp.Piecewise)
        ]
        plain = max(operations, tuning.UNROLL_MAX_OPERATIONS // tuning.UNROLL_PLAIN_TRIPS)
        for p in range(len(shape)):
            kept = set(variables[:p])
            folds = any(test and not test & kept for test in tests)
            if self._may_unroll(int(np.prod(shape[p:], dtype=np.int64)), operations if folds else plain):
                return len(shape) - p
        return 0

    def _map_nest(self, shape, members):
        unrolled = self._unrolled_length(shape, members)
        if unrolled == len(shape):
            values, targets = [], []
            for multi in np.ndindex(*shape):
                index = Index(shape, multi=multi)
                for node in members:
                    values.append(self.compute(node, index))
                    targets.append((self.store_name[id(node)], index.flat()))
            assignments, reduced = self._cse(values)
            stores = [(name, flat, value, False) for (name, flat), value in zip(targets, reduced)]
            return Nest(outer=[], assignments=assignments, stores=stores, comment="unrolled")
        split = len(shape) - unrolled
        variables, loops = self._loops("i", shape[:split])
        values, targets = [], []
        for tail in np.ndindex(*shape[split:]):
            index = Index(shape, multi=tuple(variables) + tail)
            for node in members:
                values.append(self.compute(node, index))
                targets.append((self.store_name[id(node)], index.flat()))
        assignments, reduced = self._cse(values + [flat for _, flat in targets])
        flats = reduced[len(values) :]
        stores = [(name, flat, value, False) for (name, _), flat, value in zip(targets, flats, reduced)]
        nest = Nest(outer=loops, assignments=assignments, stores=stores)
        nest.parallel = nest.worth_parallel()
        return nest

    def _reduction_term(self, node, out_vars, in_vars):
        """The value one reduction step adds (or compares) for ``node``."""
        op = node.op
        if isinstance(op, ops.Contract):
            letter = dict(zip(op.out, out_vars))
            letter.update(zip(op.summed, in_vars))
            return self._product(node, letter)
        (x,) = node.inputs
        kept, reduced = iter(out_vars), iter(in_vars)
        multi = [next(reduced) if a in op.axes else next(kept) for a in range(x.ndim)]
        return self.element(x, Index(x.shape, multi=multi))

    def _reduce_nest(self, shape, reduced_sizes, members, element_members=()):
        trips = int(np.prod(shape, dtype=np.int64)) * int(np.prod(reduced_sizes, dtype=np.int64))
        out_vars, outer = self._loops("i", shape)
        in_vars, inner = self._loops("r", reduced_sizes)
        terms = [self._reduction_term(node, out_vars, in_vars) for node in members]
        if self._may_unroll(trips, _weighted_operations(terms)):
            combine = {"sum": sp.Add, "max": sp.Max, "min": sp.Min}
            values, targets = [], []
            for out_multi in np.ndindex(*shape):
                for node in members:
                    kind = node.op.kind if isinstance(node.op, ops.Extremum) else "sum"
                    terms = [self._reduction_term(node, out_multi, in_multi) for in_multi in np.ndindex(*reduced_sizes)]
                    values.append(combine[kind](*terms))
                    targets.append((self.store_name[id(node)], Index(shape, multi=out_multi).flat()))
            assignments, reduced = self._cse(values)
            stores = [(name, flat, value, False) for (name, flat), value in zip(targets, reduced)]
            return Nest(outer=[], assignments=assignments, stores=stores, comment="unrolled")
        accumulators = []
        for node in members:
            kind = node.op.kind if isinstance(node.op, ops.Extremum) else "sum"
            accumulators.append((sp.Symbol(f"acc{self.accumulator_count}"), kind))
            self.accumulator_count += 1
        element_index = Index(tuple(shape) + tuple(reduced_sizes), multi=tuple(out_vars) + tuple(in_vars))
        values = [self.compute(node, element_index) for node in element_members]
        inner_assignments, reduced = self._cse(terms + values + ([element_index.flat()] if values else []))
        flat = Index(shape, multi=out_vars).flat()
        stores = [(self.store_name[id(n)], flat, acc, False) for n, (acc, _) in zip(members, accumulators)]
        inner_stores = [
            (self.store_name[id(node)], reduced[-1], value, False)
            for node, value in zip(element_members, reduced[len(terms) : len(terms) + len(values)])
        ]
        nest = Nest(
            outer=outer,
            inner=inner,
            accumulators=accumulators,
            inner_assignments=inner_assignments,
            updates=[(acc, term) for (acc, _), term in zip(accumulators, reduced)],
            inner_stores=inner_stores,
            stores=stores,
        )
        nest.parallel = nest.worth_parallel()
        return nest

    def _run_time_index(self, op, indices, multi, length):
        """The index a ``Take`` or ``PutAdd`` reads at the element ``multi`` of its larger side, negatives wrapped."""
        position = tuple(multi[: op.batch]) + tuple(multi[op.axis : op.axis + indices.ndim - op.batch])
        value = self.element(indices, Index(indices.shape, multi=position))
        return sp.Piecewise((value + length, value < 0), (value, True))

    def _scatter_nest(self, node):
        op = node.op
        x = node.inputs[0]
        multi, loops = self._loops("i", x.shape)
        value = self.element(x, Index(x.shape, multi=multi))
        if isinstance(op, ops.PutAdd):
            indices = node.inputs[1]
            picked = self._run_time_index(op, indices, multi, op.length)
            target = list(multi[: op.axis]) + [picked] + list(multi[op.axis + indices.ndim - op.batch :])
        else:
            tnd = op.table.array.ndim
            position = Index(op.table.array.shape, multi=multi[op.axis : op.axis + tnd]).flat()
            target = multi[: op.axis] + [sp.IndexedBase(self.table_name[op.table])[position]] + multi[op.axis + tnd :]
        flat = Index(node.shape, multi=target).flat()
        assignments, (value, flat) = self._cse([value, flat])
        nest = Nest(outer=loops, assignments=assignments, stores=[(self.store_name[id(node)], flat, value, True)])
        # Iterations of the loops before the scattered axis write disjoint elements.
        nest.parallel = op.axis > 0 and loops[0][0] is multi[0] and nest.worth_parallel()
        return nest


def lower(graph, name="kernel", header=""):
    """The Kernel IR of ``graph``, and the constant arrays to pass after the inputs."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        if getattr(graph, "per_point", None) is not None:
            kernel = lower_per_point(graph, input_names(graph), name, header)
            if kernel is not None:
                return kernel, []
        lowering = _Lowering(graph)
        kernel = lowering.build(name, header)
    finally:
        sys.setrecursionlimit(limit)
    return kernel, lowering.constants
