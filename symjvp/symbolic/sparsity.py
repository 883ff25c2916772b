"""The exact structural sparsity pattern of a Jacobian, without a dense matrix.

It is read off the tangent graph (the jvp transform): a tangent element is
structurally non-zero exactly when some path of non-zero partial
derivatives reaches it, and the tangent graph only has nodes where
``sympy.diff`` gave a non-zero formula.  Each tangent node carries a sparse
boolean matrix (its elements x the flattened wrt inputs).  Moving and
selecting ops permute rows -- their index maps come from running the op's
NumPy reference on ``arange`` -- elementwise ops take the union of their
tangent operands, contractions multiply by an incidence matrix.
"""

import numpy as np
import scipy.sparse as sparse

from ..derivatives.forward import linearize
from ..derivatives.transforms import tangent_inputs
from ..graph import ops
from ..graph.node import topological_order


def _positions(shape):
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)


def _rows(matrix, index):
    return matrix[np.asarray(index, dtype=np.int64).ravel()]


def _placement(op, inputs, out_size):
    """For ops that may leave elements empty: P (out x in) with P[target, source] = 1."""
    sources = [_positions(x.shape) + 1 for x in inputs]
    offsets = np.cumsum([0] + [x.size for x in inputs])
    shifted = [s + o for s, o in zip(sources, offsets[:-1])]
    placed = np.asarray(op.evaluate(*shifted), dtype=np.int64).ravel()
    targets = np.nonzero(placed)[0]
    return sparse.csr_matrix(
        (np.ones(len(targets), dtype=bool), (targets, placed[targets] - 1)), shape=(out_size, int(offsets[-1]))
    )


def _contraction(node, k):
    """Incidence (out elements x operand k elements) of a contraction."""
    op = node.op
    letters = op.out + "".join(op.summed)
    grids = np.meshgrid(*[np.arange(op.size_of[c]) for c in letters], indexing="ij")
    coordinate = dict(zip(letters, grids))
    out_shape = tuple(op.size_of[c] for c in op.out)
    rows = np.ravel_multi_index([coordinate[c] for c in op.out], out_shape) if op.out else np.zeros_like(grids[0])
    spec = op.specs[k]
    operand_shape = node.inputs[k].shape
    cols = np.ravel_multi_index([coordinate[c] for c in spec], operand_shape) if spec else np.zeros_like(rows)
    return sparse.csr_matrix(
        (np.ones(rows.size, dtype=bool), (rows.ravel(), cols.ravel())), shape=(node.size, node.inputs[k].size)
    )


def _any_index(take, source_shape, index_shape):
    """Incidence (out elements x source elements) of a ``Take`` whose indices may be anything in range."""
    sources = _positions(source_shape)
    length = source_shape[take.axis]
    rows = [take.evaluate(sources, np.full(index_shape, k, dtype=np.int64)).ravel() for k in range(length)]
    out_size = rows[0].size if rows else 0
    columns = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    targets = np.tile(np.arange(out_size), length)
    return sparse.csr_matrix(
        (np.ones(targets.size, dtype=bool), (targets, columns)), shape=(out_size, int(np.prod(source_shape)))
    )


def _at_index(take, source_shape, indices):
    """Incidence (out elements x source elements) of a ``Take`` at these index values."""
    columns = np.asarray(take.evaluate(_positions(source_shape), indices), dtype=np.int64).ravel()
    return sparse.csr_matrix(
        (np.ones(columns.size, dtype=bool), (np.arange(columns.size), columns)),
        shape=(columns.size, int(np.prod(source_shape, dtype=np.int64))),
    )


def _incidence(take, source_shape, indices_node, values):
    """A ``Take``'s incidence: at the call's index values when ``values`` gives them, else for any index."""
    indices = values(indices_node) if values is not None else None
    if indices is None:
        return _any_index(take, source_shape, indices_node.shape)
    return _at_index(take, source_shape, indices)


def _pattern(node, inputs, patterns, width, values=None):
    op = node.op
    if isinstance(op, ops.Take):
        return _incidence(op, inputs[0].shape, inputs[1], values) @ patterns[0]
    if isinstance(op, ops.PutAdd):
        take = ops.Take(op.axis, op.batch)
        return _incidence(take, node.shape, inputs[1], values).T.tocsr() @ patterns[0]
    present = [p for p in patterns if p is not None]
    if isinstance(op, ops.Elementwise):
        total = sparse.csr_matrix((node.size, width), dtype=bool)
        for x, p in zip(inputs, patterns):
            if p is not None:
                index = np.broadcast_to(_positions(x.shape), node.shape)
                total = total + _rows(p, index)
        return total
    if isinstance(op, ops.Contract):
        total = sparse.csr_matrix((node.size, width), dtype=bool)
        for k, p in enumerate(patterns):
            if p is not None:
                total = total + (_contraction(node, k) @ p)
        return total
    if isinstance(op, (ops.Embed, ops.ScatterAdd, ops.Concat)):
        stacked = sparse.vstack(
            [p if p is not None else sparse.csr_matrix((x.size, width), dtype=bool) for x, p in zip(inputs, patterns)]
        ).tocsr()
        return _placement(op, inputs, node.size) @ stacked
    (p,) = present
    return _rows(p, op.evaluate(_positions(inputs[0].shape)))


def _index_values(graph, arrays):
    """``node -> value`` for index nodes computed from integer inputs alone (None for any other node)."""
    positions = {id(x): k for k, x in enumerate(graph.inputs)}
    memo = {}

    def value(node):
        if id(node) not in memo:
            if id(node) in positions:
                memo[id(node)] = np.asarray(arrays[positions[id(node)]]) if node.dtype.kind in "iu" else None
            elif isinstance(node.op, ops.Input) or not node.inputs and not isinstance(node.op, (ops.Constant, ops.Fill)):
                memo[id(node)] = None
            else:
                children = [value(x) for x in node.inputs]
                memo[id(node)] = None if any(c is None for c in children) else np.asarray(node.op.evaluate(*children))
        return memo[id(node)]

    return value


def sparsity_pattern(graph, wrt, arrays=None):
    """Boolean ``scipy.sparse.csr_matrix``: rows = outputs flattened and stacked, columns = wrt inputs.

    Indices that are inputs (``params[cam_idx]``) may point anywhere, so without ``arrays`` every element
    they may read counts; with the call's input ``arrays``, the elements these index values read.
    """
    values = _index_values(graph, arrays) if arrays is not None else None
    tangents = tangent_inputs(graph, wrt)
    lin = linearize(graph.outputs, {id(graph.inputs[k]): t for k, t in zip(wrt, tangents)})
    width = sum(t.size for t in tangents)
    patterns = {}
    offset = 0
    for t in tangents:
        eye = sparse.eye(width, format="csr", dtype=bool)[offset : offset + t.size]
        patterns[id(t)] = eye
        offset += t.size
    for node in topological_order([x for x in lin if x is not None]):
        if id(node) in patterns:
            continue
        incoming = [patterns.get(id(x)) for x in node.inputs]
        if all(p is None for p in incoming):
            continue
        patterns[id(node)] = _pattern(node, node.inputs, incoming, width, values).astype(bool).tocsr()
    blocks = []
    for k, out in enumerate(lin):
        size = int(np.prod(graph.output_spec(k)[0], dtype=np.int64))
        blocks.append(patterns[id(out)] if out is not None else sparse.csr_matrix((size, width), dtype=bool))
    result = sparse.vstack(blocks).tocsr() if len(blocks) > 1 else blocks[0]
    result.eliminate_zeros()
    return result.astype(bool)
