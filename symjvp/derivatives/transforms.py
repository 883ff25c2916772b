"""Graph -> graph transforms behind every public entry point.

Each returns a ``Graph`` again, so they compose: the Hessian is the Jacobian
of the gradient graph (forward over reverse), ``hvp`` its jvp, ``vhp`` its vjp.
"""

import numpy as np

from ..errors import ShapeError
from ..graph import build
from ..graph.node import Graph
from .batching import batch
from .forward import linearize
from .reverse import transpose


def _unused_name(name, taken):
    while name in taken:
        name += "_"
    return name


def tangent_inputs(graph, wrt):
    taken = {x.op.name for x in graph.inputs}
    return [
        build.input_node(
            _unused_name("v_" + graph.inputs[k].op.name, taken), graph.inputs[k].shape, graph.inputs[k].dtype, "tangent", k
        )
        for k in wrt
    ]


def _linearized(graph, wrt):
    tangents = tangent_inputs(graph, wrt)
    seeds = {id(graph.inputs[k]): t for k, t in zip(wrt, tangents)}
    return tangents, linearize(graph.outputs, seeds)


def _zero_specs(offset, nodes, specs):
    return {offset + k: spec for k, (node, spec) in enumerate(zip(nodes, specs)) if node is None}


def jvp_graph(graph, wrt):
    """Inputs: the primal inputs, then one tangent per ``wrt`` input.  Outputs: primal, then J·v."""
    tangents, lin = _linearized(graph, wrt)
    n = len(graph.outputs)
    specs = [graph.output_spec(k) for k in range(n)]
    zero = dict(graph.zero_specs)
    zero.update(_zero_specs(n, lin, specs))
    return Graph(graph.inputs + tuple(tangents), graph.outputs + tuple(lin), zero)


def cotangent_inputs(graph):
    n = len(graph.outputs)
    taken = {x.op.name for x in graph.inputs}
    stem = next(name for name in ("u", "u_out", "cotangent") if name not in taken and f"{name}0" not in taken)
    names = [stem] if n == 1 else [f"{stem}{k}" for k in range(n)]
    return [build.input_node(name, *graph.output_spec(k), "cotangent", k) for k, name in enumerate(names)]


def vjp_graph(graph, wrt):
    """Inputs: the primal inputs, then one cotangent per output.  Outputs: primal, then uᵀ·J."""
    tangents, lin = _linearized(graph, wrt)
    cotangents = cotangent_inputs(graph)
    cts = transpose(lin, cotangents, tangents)
    n = len(graph.outputs)
    zero = dict(graph.zero_specs)
    zero.update(_zero_specs(n, cts, [(graph.inputs[k].shape, graph.inputs[k].dtype) for k in wrt]))
    return Graph(graph.inputs + tuple(cotangents), graph.outputs + tuple(cts), zero)


def prefers_forward(graph, wrt):
    """Forward mode costs one pass per input element, reverse one per output element."""
    n_in = sum(graph.inputs[k].size for k in wrt)
    n_out = sum(int(np.prod(graph.output_spec(k)[0], dtype=np.int64)) for k in range(len(graph.outputs)))
    return n_in <= n_out


def jacobian_graph(graph, wrt):
    """Outputs: block (o, k) = d out_o / d in_k of shape ``out.shape + in.shape``, o-major."""
    tangents, lin = _linearized(graph, wrt)
    out_specs = [graph.output_spec(o) for o in range(len(graph.outputs))]
    inputs = [graph.inputs[k] for k in wrt]
    blocks = {}
    if prefers_forward(graph, wrt):
        for k, (x, t) in enumerate(zip(inputs, tangents)):
            alone = linearize(graph.outputs, {id(x): t})
            columns, flags = batch(alone, {id(t): build.eye(x.shape, x.dtype)}, x.size)
            for o, (col, is_batched) in enumerate(zip(columns, flags)):
                if is_batched:
                    out_shape = out_specs[o][0]
                    moved = build.reshape(col, x.shape + out_shape)
                    perm = tuple(range(x.ndim, x.ndim + len(out_shape))) + tuple(range(x.ndim))
                    blocks[o, k] = build.transpose(moved, perm)
    else:
        for o, (out_shape, out_dtype) in enumerate(out_specs):
            if lin[o] is None:
                continue
            u = build.input_node("u", out_shape, out_dtype, "cotangent", o)
            cts = transpose([lin[o]], [u], tangents)
            size = int(np.prod(out_shape, dtype=np.int64))
            rows, flags = batch(cts, {id(u): build.eye(out_shape, out_dtype)}, size)
            for k, (row, is_batched) in enumerate(zip(rows, flags)):
                if is_batched:
                    blocks[o, k] = build.reshape(row, out_shape + inputs[k].shape)
    outputs, zero = [], {}
    for o, (out_shape, out_dtype) in enumerate(out_specs):
        for k, x in enumerate(inputs):
            if (o, k) not in blocks:
                zero[len(outputs)] = (out_shape + x.shape, np.result_type(out_dtype, x.dtype))
            outputs.append(blocks.get((o, k)))
    return Graph(graph.inputs, outputs, zero)


def gradient_graph(graph, wrt):
    """The gradient of a one-element output: outputs are d out / d in_k, shaped like in_k."""
    if len(graph.outputs) != 1 or int(np.prod(graph.output_spec(0)[0], dtype=np.int64)) != 1:
        shapes = [graph.output_spec(k)[0] for k in range(len(graph.outputs))]
        raise ShapeError(
            "hessian, hvp and vhp need a function that returns a single element; "
            f"this one returns outputs of shapes {', '.join(map(str, shapes))}"
        )
    tangents, lin = _linearized(graph, wrt)
    shape, dtype = graph.output_spec(0)
    cts = transpose(lin, [build.fill(1, shape, dtype)], tangents)
    zero = _zero_specs(0, cts, [(graph.inputs[k].shape, graph.inputs[k].dtype) for k in wrt])
    return Graph(graph.inputs, cts, zero)
