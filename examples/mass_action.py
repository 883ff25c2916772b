"""A 20-species, 40-reaction mass-action network: dy/dt = S @ (k * y[a] * y[b]).

Each reaction r consumes one molecule each of species a[r] and b[r] at rate
k[r] y[a] y[b] and makes two of species p[r]; S is the stoichiometric matrix.
Written once for any array module (NumPy, torch, jax.numpy) with integer-array
indexing and ``@``, the way a modeller writes it; its Jacobian is the 20 x 20
matrix a stiff ODE solver asks for at every Newton step:
``symjvp.compile(rhs, y).jacobian(y)``.
"""

import numpy as np

SPECIES, REACTIONS = 20, 40
_rng = np.random.default_rng(5)
FIRST = _rng.integers(0, SPECIES, REACTIONS)
SECOND = _rng.integers(0, SPECIES, REACTIONS)
PRODUCT = _rng.integers(0, SPECIES, REACTIONS)
RATE = _rng.uniform(0.1, 2.0, REACTIONS)
STOICHIOMETRY = np.zeros((SPECIES, REACTIONS))
np.add.at(STOICHIOMETRY, (FIRST, np.arange(REACTIONS)), -1.0)
np.add.at(STOICHIOMETRY, (SECOND, np.arange(REACTIONS)), -1.0)
np.add.at(STOICHIOMETRY, (PRODUCT, np.arange(REACTIONS)), 2.0)


def mass_action_in(xp, asarray=None):
    """The right-hand side, with the network's constants as ``asarray`` (default ``xp.asarray``) arrays."""
    asarray = asarray or xp.asarray
    stoichiometry, rate = asarray(STOICHIOMETRY), asarray(RATE)
    first, second = asarray(FIRST), asarray(SECOND)

    def mass_action(y):
        return stoichiometry @ (rate * y[first] * y[second])

    return mass_action


mass_action = mass_action_in(np)
