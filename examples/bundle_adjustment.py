"""Bundle-adjustment reprojection error (ADBench's computeReprojError), one observation.

Written once for any array module, so the benchmark can hand the same model to torch and
JAX.  With symjvp: ``symjvp.compile(symjvp.vmap(reprojection_in(np)), cams, Xs, w, feat,
wrt=(0, 1)).jacobian(...)`` gives one (2, 11) and one (2, 3) Jacobian per observation.
"""

import numpy as np


def reprojection_in(xp):
    """cam = (Rodrigues r (3), centre C (3), f, u0, v0, k1, k2); X a 3-D point; w a weight; feat (2,)."""

    def reprojection(cam, X, w, feat):
        r, C = cam[:3], cam[3:6]
        theta = xp.sqrt((r * r).sum())
        k = r / theta
        Xc = X - C
        cos, sin = xp.cos(theta), xp.sin(theta)
        cross = xp.stack([k[1] * Xc[2] - k[2] * Xc[1], k[2] * Xc[0] - k[0] * Xc[2], k[0] * Xc[1] - k[1] * Xc[0]])
        Xcam = Xc * cos + cross * sin + k * (k * Xc).sum() * (1 - cos)
        p = Xcam[:2] / Xcam[2]
        rsq = (p * p).sum()
        L = 1 + cam[9] * rsq + cam[10] * rsq * rsq
        return w * (p * L * cam[6] + cam[7:9] - feat)

    return reprojection


reprojection = reprojection_in(np)
