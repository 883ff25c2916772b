"""The first call: symjvp against jax.jit, each in a fresh process with nothing compiled.

    python benchmarks/compile_time.py [--quick] [--only TEXT] [--timeout SECONDS] [--markdown FILE] [--docs]

Every row runs in a new interpreter: symjvp with an empty kernel cache (only
the entry of symjvp's own compiled helpers, made once per installation, is
copied in), JAX with its compilation cache off.  The time is the first call,
inputs ready, result on the host.  JAX is a peer, not a dependency: without it
the JAX column is empty.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

FIRST_CALL_INTRO = """## The first call: symjvp against jax.jit

`python benchmarks/compile_time.py --docs` (each row a fresh process with an empty symjvp cache and
JAX's compilation cache off; the time is the first call with its inputs ready). The last column is the
stage of symjvp's compile that took longest (`SYMJVP_VERBOSE=1` prints them all); "imports and the
rest" is time outside every stage, mostly importing SymPy and Numba. `docs/compile-time.md` says what
bounds each kind of row and what was done about it.
"""

PRELUDE = """
import time, numpy as np
rng = np.random.default_rng(0)
"""

MODELS = {
    "exp_reducer": """
def f(x):
    return xp.exp(x).sum(axis=1)
args = (rng.random((2000, 2000)),)
tangent = (np.ones((2000, 2000)),)
""",
    "mlp": """
W1, W2, W3 = rng.standard_normal((100, 100)) / 10, rng.standard_normal((100, 100)) / 10, rng.standard_normal((100, 1)) / 10
def f(x):
    h = xp.tanh(x @ W1)
    h = xp.tanh(h @ W2)
    return ((h @ W3) ** 2).sum()
args = (rng.standard_normal((64, 100)),)
tangent = (np.ones((64, 100)),)
""",
    "mass_action": """
S = rng.integers(-1, 2, (N, 2 * N)).astype(float)
R = (rng.random((2 * N, N)) < 2.0 / N).astype(float)
def f(y):
    return S @ (xp.exp(xp.log(y + 1.0) @ R.T) * 0.5)
args = (rng.random(N),)
tangent = (np.ones(N),)
""",
    "sin_exp": """
def f(x):
    return xp.sin(x) * 1.5 + xp.exp(-x)
args = (rng.random(N),)
tangent = (np.ones(N),)
""",
    "rosenbrock": """
def f(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
args = (rng.random(50),)
tangent = (np.ones(50),)
""",
    "rk4": """
K = rng.uniform(0.1, 1.0, (10, 10)) / 10
def rhs(y, k):
    return k * (K @ y) - y * y * 0.1
def f(y0, k):
    y, h = y0, 0.01
    for _ in range(N):
        k1 = rhs(y, k); k2 = rhs(y + h / 2 * k1, k); k3 = rhs(y + h / 2 * k2, k); k4 = rhs(y + h * k3, k)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y
args = (np.ones(10), np.ones(10))
tangent = (np.ones(10), np.ones(10))
""",
    # ADBench's LSTM objective: two layers of elementwise-weighted cells, a log-softmax loss per step.
    "lstm": """
B, L = 10, 2
seq = rng.standard_normal((N + 1, B))
def sigmoid(x):
    return 1 / (1 + xp.exp(-x))
def f(params, state):
    h = [state[l, 0] for l in range(L)]
    c = [state[l, 1] for l in range(L)]
    loss = 0.0
    for t in range(N):
        inp = seq[t]
        for l in range(L):
            gates = xp.concatenate([inp, h[l], inp, h[l]]) * params[l, 0] + params[l, 1]
            c[l] = c[l] * sigmoid(gates[:B]) + sigmoid(gates[B:2 * B]) * xp.tanh(gates[3 * B:])
            h[l] = sigmoid(gates[2 * B:3 * B]) * xp.tanh(c[l])
            inp = h[l]
        loss = loss - xp.sum((inp - xp.log(xp.sum(xp.exp(inp)))) * seq[t + 1])
    return loss
args = (rng.standard_normal((L, 2, 4 * B)) * 0.1, rng.standard_normal((L, 2, B)) * 0.1)
tangent = (np.ones((L, 2, 4 * B)), np.ones((L, 2, B)))
""",
    # ADBench's GMM objective (with its Wishart prior), all parameters in one vector.
    "gmm": """
D, K, M = 5, 5, 100
X = rng.standard_normal((M, D))
T = D * (D - 1) // 2
rows, cols = np.tril_indices(D, -1)
table = np.full((D, D), D + T)
table[np.arange(D), np.arange(D)] = np.arange(D)
table[rows, cols] = D + np.arange(T)
def f(theta):
    alphas, means, icf = theta[:K], theta[K:K + K * D].reshape(K, D), theta[K + K * D:].reshape(K, D + T)
    diagonal = xp.exp(icf[:, :D])
    sum_qs = xp.sum(icf[:, :D], axis=1)
    factors = xp.concatenate([diagonal, icf[:, D:], xp.zeros((K, 1))], axis=1)[:, table]
    centered = X[:, None, :] - means[None]
    sqsum = xp.sum(xp.einsum("kij,nkj->nki", factors, centered) ** 2, axis=2)
    inner = alphas + sum_qs - 0.5 * sqsum
    top = xp.max(inner, axis=1, keepdims=True)
    per_point = xp.log(xp.sum(xp.exp(inner - top), axis=1)) + top[:, 0]
    prior = 0.5 * (xp.sum(diagonal ** 2) + xp.sum(icf[:, D:] ** 2)) - 3.0 * xp.sum(sum_qs)
    return xp.sum(per_point) - M * xp.log(xp.sum(xp.exp(alphas))) + prior
args = (rng.standard_normal(K + K * D + K * (D + T)) * 0.1,)
tangent = (np.ones(K + K * D + K * (D + T)),)
""",
}

FIRST_CALL = """
{imports}
{model}
t = time.perf_counter()
{call}
print(time.perf_counter() - t)
"""
SYMJVP = FIRST_CALL.replace("{imports}", "import symjvp\nxp = np")
SYMJVP_CALLS = {
    "jvp": "symjvp.jvp(f, args if len(args) > 1 else args[0], tangent if len(args) > 1 else tangent[0])",
    "vjp": "symjvp.vjp(f, args if len(args) > 1 else args[0], np.ones(np.shape(f(*args))))",
    "jacobian": "symjvp.jacobian(f, args[0])",
    "hessian": "symjvp.hessian(f, args[0])",
}

JAX = FIRST_CALL.replace("{imports}", 'import jax\njax.config.update("jax_enable_x64", True)\nimport jax.numpy as xp')
JAX_CALLS = {
    "jvp": "jax.block_until_ready(jax.jit(lambda a, t: jax.jvp(f, a, t))(args, tangent))",
    "vjp": "out, pull = jax.vjp(f, *args); jax.block_until_ready(jax.jit(lambda *a: jax.vjp(f, *a)[1](xp.ones_like(f(*a))))(*args))",
    "jacobian": "jax.block_until_ready(jax.jit(jax.jacfwd(f))(*args))",
    "hessian": "jax.block_until_ready(jax.jit(jax.hessian(f))(*args))",
}

ROWS = (
    [("seed exp_reducer (2000, 2000)", "exp_reducer", None, "jvp"), ("MLP 3x100 tanh, loss gradient", "mlp", None, "vjp")]
    + [("MLP 3x100 tanh, jvp", "mlp", None, "jvp")]
    + [(f"mass action, {n} species, Jacobian", "mass_action", n, "jacobian") for n in (20, 100, 400)]
    + [(f"sin(x)*c + exp(-x), n = {n}", "sin_exp", n, "jvp") for n in [4**k for k in range(11)]]
    + [("Rosenbrock, 50 parameters, Hessian", "rosenbrock", None, "hessian")]
    + [(f"RK4, 10 species, {n} steps, {kind}", "rk4", n, kind) for n in (10, 100, 1000) for kind in ("jvp", "vjp")]
    + [(f"LSTM 2 layers, {n} steps, loss gradient", "lstm", n, "vjp") for n in (4, 16, 64)]
    + [("GMM d=5 K=5 N=100, Hessian", "gmm", None, "hessian")]
)
QUICK = {"seed exp_reducer (2000, 2000)", "MLP 3x100 tanh, jvp", "mass action, 20 species, Jacobian",
         "sin(x)*c + exp(-x), n = 1", "sin(x)*c + exp(-x), n = 64", "RK4, 10 species, 10 steps, jvp"}


def helper_cache_template():
    """A cache directory holding only the entry of symjvp's compiled helpers (made once per installation)."""
    template = tempfile.mkdtemp(prefix="symjvp-helpers-")
    env = dict(os.environ, SYMJVP_CACHE_DIR=template, SYMJVP_VERBOSE="0")
    subprocess.run([sys.executable, "-c", "import symjvp.codegen.fastmath"], env=env, check=True)
    return template


#: symjvp's progress stages (SYMJVP_VERBOSE=1) by what does the work in them.
STAGES = (
    ("tracing", "tracing"),
    ("deriving", "derivative graphs"),
    ("lowering and printing", "lowering (SymPy)"),
    ("compiling the C core", "C compiler"),
    ("building the native library", "Numba (native library)"),
    ("compiling the", "Numba"),
)


def largest_stage(stderr, total):
    """The stage that took longest, as "what (seconds)"; time outside every stage is imports and the call."""
    spent = {}
    for line in stderr.splitlines():
        found = re.match(r"symjvp: (.*): ([0-9.]+) s$", line)
        if found:
            stage = found.group(1)
            name = next((label for prefix, label in STAGES if stage.startswith(prefix)), stage)
            spent[name] = spent.get(name, 0.0) + float(found.group(2))
    spent["imports and the rest"] = max(0.0, total - sum(spent.values()))
    name = max(spent, key=spent.get)
    return f"{name} ({spent[name]:.1f})"


def first_call(template, model, n, call, timeout, env_extra):
    """(seconds, the largest stage) of a first call in a fresh process; seconds is a string when it did not finish."""
    source = textwrap.dedent(PRELUDE) + template.format(model=f"N = {n}\n" + MODELS[model], call=call)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, SYMJVP_VERBOSE="1", JAX_ENABLE_COMPILATION_CACHE="false", **env_extra(cache))
        try:
            done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"> {timeout:.0f}", ""
        if done.returncode != 0:
            return "failed: " + done.stderr.strip().splitlines()[-1][:80], ""
        seconds = float(done.stdout.strip().splitlines()[-1])
        return seconds, largest_stage(done.stderr, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few rows only")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a first call may take")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--only", help="rows whose name contains this text (several: TEXT|TEXT)")
    parser.add_argument("--docs", action="store_true", help="put the table into docs/benchmarks.md")
    args = parser.parse_args()
    try:
        import jax  # noqa: F401

        has_jax = True
    except ImportError:
        has_jax = False
    helpers = helper_cache_template()

    def symjvp_env(cache):
        shutil.rmtree(cache)
        shutil.copytree(helpers, cache)
        return {"SYMJVP_CACHE_DIR": cache}

    lines = [
        "| first call | symjvp (s) | jax.jit (s) | ratio | symjvp's largest stage (s) |",
        "|---|---|---|---|---|",
    ]
    print(lines[0])
    for name, model, n, kind in ROWS:
        if args.quick and name not in QUICK or args.only and not any(text in name for text in args.only.split("|")):
            continue
        ours, stage = first_call(SYMJVP, model, n, SYMJVP_CALLS[kind], args.timeout, symjvp_env)
        theirs = first_call(JAX, model, n, JAX_CALLS[kind], args.timeout, lambda cache: {})[0] if has_jax else None
        ratio = f"{ours / theirs:.1f}x" if isinstance(ours, float) and isinstance(theirs, float) else ""
        fmt = lambda v: f"{v:.2f}" if isinstance(v, float) else (v or "")  # noqa: E731
        lines.append(f"| {name} | {fmt(ours)} | {fmt(theirs)} | {ratio} | {stage} |")
        print(lines[-1], flush=True)
    shutil.rmtree(helpers, ignore_errors=True)
    table = "\n".join(lines) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.docs:
        from docs_sections import BENCHMARKS_PAGE, replace_section

        replace_section(BENCHMARKS_PAGE, "first-call", FIRST_CALL_INTRO + "\n" + table)


if __name__ == "__main__":
    main()
