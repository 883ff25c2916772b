"""``symjvp.vmap``: write a function for one point, run it over a batch.

Inside a trace, the per-point function is traced once on per-point inputs
and its graph is batched (``batching.batch``), so the kernel's per-point
body is the unrolled straight-line code of one point.  A compiled vmapped
function's ``jacobian`` is one Jacobian per point (JAX's
``vmap(jacfwd(f))``): the full Jacobian of a batch is block diagonal.
"""

from ..errors import ArgumentError, ShapeError, format_shape
from ..graph import build
from ..graph.node import Graph, PerPoint
from .batching import batch
from .transforms import jacobian_graph


def _axes(in_axes, count):
    if isinstance(in_axes, (list, tuple)):
        if len(in_axes) != count:
            raise ArgumentError(f"vmap: in_axes has {len(in_axes)} entries for {count} argument(s)")
        return tuple(in_axes)
    return (in_axes,) * count


class VMapped:
    """The batched version of ``func`` (see ``symjvp.vmap``)."""

    def __init__(self, func, in_axes=0, out_axes=0):
        self.func = func
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.__name__ = f"vmap({getattr(func, '__name__', 'function')})"
        self.__wrapped__ = func

    def batch_axes(self, ndims):
        """The mapped axis of each argument (None: not mapped): compiled, one kernel runs for every number of points."""
        return tuple(None if a is None or not n else a % n for a, n in zip(_axes(self.in_axes, len(ndims)), ndims))

    def fingerprint_parts(self):
        """What identifies this function for the caches (see runtime/fingerprint.py)."""
        return ("vmap", self.func, self.in_axes, self.out_axes)

    # ------------------------------------------------------------ tracing

    def _per_point(self, nodes, names=None):
        """(per-point input nodes or outer nodes, replacements, batch size) for outer nodes."""
        axes = _axes(self.in_axes, len(nodes))
        sizes = {n.shape[a] for n, a in zip(nodes, axes) if a is not None}
        if len(sizes) != 1:
            if not sizes:
                raise ArgumentError("vmap: in_axes maps no argument; at least one must have a batch axis")
            shapes = ", ".join(format_shape(n.shape) for n in nodes)
            raise ShapeError(f"vmap: the batch axes have different sizes {sorted(sizes)} (argument shapes {shapes})")
        size = sizes.pop()
        inner, replacements = [], {}
        for k, (node, axis) in enumerate(zip(nodes, axes)):
            if axis is None:
                inner.append(node)
                continue
            axis = axis % node.ndim
            order = (axis,) + tuple(d for d in range(node.ndim) if d != axis)
            moved = build.transpose(node, order)
            name = f"{names[k]}_point" if names else f"vmap_arg{k}"
            point = build.input_node(name, moved.shape[1:], node.dtype, role=f"vmap{id(self)}", position=k)
            inner.append(point)
            replacements[id(point)] = moved
        return inner, replacements, size

    def _finish(self, outputs, flags, size):
        results = []
        for out, batched in zip(outputs, flags):
            if not batched:
                out = build.broadcast_to(out, (size,) + out.shape)
            if self.out_axes not in (0, None):
                axis = self.out_axes % out.ndim
                order = tuple(range(1, axis + 1)) + (0,) + tuple(range(axis + 1, out.ndim))
                out = build.transpose(out, order)
            results.append(out)
        return results

    def _trace(self, args):
        from ..trace.array import TracedArray
        from ..trace.functions import _dependence_of, as_node
        from ..trace.tracer import _output_node, output_values

        nodes = [as_node(a) for a in args]
        inner, replacements, size = self._per_point(nodes)
        deps = frozenset(_dependence_of(args))
        call_args = [TracedArray(n, deps) for n in inner]
        values, is_tuple = output_values(self.func(*call_args), self.func)
        outputs = [_output_node(v, self.func) for v in values]
        batched, flags = batch(outputs, replacements, size)
        wrapped = [TracedArray(n, deps) for n in self._finish(batched, flags, size)]
        return tuple(wrapped) if is_tuple else wrapped[0]

    def __call__(self, *args):
        from ..trace.functions import is_traced

        if any(is_traced(a) for a in args):
            return self._trace(args)
        from ..api import _compiled

        values = tuple(args)
        return _compiled(self, values)(*values)

    # ------------------------------------------------------------ per-point Jacobians

    def jacobian_graph(self, inputs, wrt):
        """Blocks ``(batch,) + out_point.shape + in_point.shape``: one Jacobian per point."""
        from ..trace.array import TracedArray
        from ..trace.tracer import _output_node, call_traced, output_values

        if self.out_axes not in (0, None):
            raise ArgumentError("the per-point Jacobian of a vmapped function needs out_axes=0")
        inner, replacements, size = self._per_point(list(inputs), [x.op.name for x in inputs])
        values, _ = output_values(call_traced(self.func, [TracedArray(n) for n in inner]), self.func)
        point_graph = Graph(inner, [_output_node(v, self.func) for v in values])
        blocks = jacobian_graph(point_graph, wrt)
        outputs, flags = batch(blocks.outputs, replacements, size)
        final, zero = [], {}
        for k, (out, batched) in enumerate(zip(outputs, flags)):
            if out is None:
                shape, dtype = blocks.zero_specs[k]
                zero[k] = ((size,) + tuple(shape), dtype)
                final.append(None)
            else:
                final.append(out if batched else build.broadcast_to(out, (size,) + out.shape))
        axes = [None if a is None else a % x.ndim for x, a in zip(inputs, _axes(self.in_axes, len(inputs)))]
        return Graph(inputs, final, zero, per_point=PerPoint(blocks, axes, size))


def vmap(func, in_axes=0, out_axes=0):
    """JAX's ``vmap``: ``func`` of one point, mapped over axis ``in_axes`` of its arguments.

    ``in_axes`` is an int, None (not mapped), or a tuple with one of those per
    argument; ``out_axes`` says where the batch axis goes in the results.
    """
    if not callable(func):
        raise ArgumentError(f"vmap needs a function, got {type(func).__name__}")
    return VMapped(func, in_axes, out_axes)


__all__ = ["VMapped", "vmap"]
