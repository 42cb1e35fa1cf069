"""Law families, one folder each, lowest first: each imports only the core (``laws``,
``fitting``, ``uncertainty`` primitives), the data layer and the families above it in
this list. Importing this package registers t2jax's own families and laws.

* :mod:`~t2jax.families.power_sum`: additive power laws (Chinchilla, T² Approach 1);
* :mod:`~t2jax.families.t2_beta`: T² Approach 2, and the synthetic T² studies;
* :mod:`~t2jax.families.t2_joint`: the joint Beta-binomial T² model;
* :mod:`~t2jax.families.beta_links`: per-problem Beta laws with log-linear links;
* :mod:`~t2jax.families.t2_irt`: shared problem difficulty (item response) driven by a latent loss.

A new family is one more folder with a :class:`~t2jax.laws.family.Family` and its laws,
registered with :func:`~t2jax.laws.registry.register_family` and
:func:`~t2jax.laws.registry.register`; no other module changes.
"""

from t2jax.families import power_sum, t2_beta, t2_joint, beta_links, t2_irt  # noqa: F401  (registration order)
from t2jax.families.beta_links import BETA_LOSS, BETA_ND, fit_beta_link
from t2jax.families.power_sum import CHINCHILLA, T2_LOSS, approach3, isoflop, power_law_posterior, t2_loss, varpro
from t2jax.families.t2_beta import (
    T2_BETA,
    T2_TRUTH,
    T2Testbed,
    bootstrap_t2_beta,
    fit_t2_beta,
    synthetic_isoflop_runs,
    synthetic_t2,
    t2_beta_accuracy,
)
from t2jax.families.t2_irt import T2_IRT
from t2jax.families.t2_joint import T2_JOINT, bootstrap_joint, joint_model, joint_posterior

#: The families in import order (lowest first).
ORDER = ("power_sum", "t2_beta", "t2_joint", "beta_links", "t2_irt")

__all__ = [
    "BETA_LOSS", "BETA_ND", "CHINCHILLA", "ORDER", "T2_BETA", "T2_IRT", "T2_JOINT", "T2_LOSS", "T2_TRUTH", "T2Testbed",
    "approach3", "bootstrap_joint", "bootstrap_t2_beta", "fit_beta_link", "fit_t2_beta", "isoflop", "joint_model",
    "joint_posterior", "power_law_posterior", "synthetic_isoflop_runs", "synthetic_t2", "t2_beta_accuracy", "t2_loss",
    "varpro",
]  # fmt: skip
