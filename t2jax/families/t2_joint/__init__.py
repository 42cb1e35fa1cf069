"""The joint T² model (law ``t2-joint``): every count Beta-binomial, the Beta's mean and
concentration driven by a latent Chinchilla loss, all fitted at once by maximum
likelihood (``objective``: the total negative log-likelihood). With ``answer_nll=``
(per-question answer NLLs of some checkpoints) the latent loss is anchored and the fit
is T² Approach 2 in one stage (:mod:`~t2jax.families.t2_joint.anchored`). Bootstrap:
problems (default) or checkpoints resampled, every refit from the point fit; posterior:
NUTS of the same likelihood (:mod:`~t2jax.families.t2_joint.uncertainty`).
"""

from __future__ import annotations

from t2jax.errors import T2JaxError
from t2jax.families.t2_joint.anchored import fit_anchored
from t2jax.data.passk_table import counts_of
from t2jax.families.t2_joint.fit import fit_joint
from t2jax.families.t2_joint.laws import JOINT_PARAMS, T2_JOINT, from_t2_beta, joint_beta
from t2jax.families.t2_joint.study import JointStudies
from t2jax.families.t2_joint.uncertainty import bootstrap_joint, joint_model, joint_posterior
from t2jax.fitting.result import with_extras
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family


class T2JointFamily(Family):
    name = "t2-joint"
    objective = "total Beta-binomial negative log-likelihood of the counts"

    def fit_counts(self, data, table, law, method, *, answer_nll=None, **options):
        counts = counts_of(data, table)  # every count: a checkpoint that solved nothing is evidence too
        result = fit_anchored(counts, answer_nll, **options) if answer_nll is not None else fit_joint(counts, **options)
        return with_extras(result, dropped_checkpoints=list(table.dropped) if counts is table.samples else [])

    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None, resample=None, devices=None,
                  progress=None):
        self._joint_point(point, "bootstrap")
        return bootstrap_joint(data, n_resamples, seed=seed, resample=resample or "problems", ks=ks, point=point,
                               devices=devices, progress=progress)

    def posterior(self, data, law, *, method, point=None, ks=None, **options):
        self._joint_point(point, "posterior")
        return joint_posterior(data, ks=ks, point=point, **options)

    def studies(self, law):
        return JointStudies

    @staticmethod
    def _joint_point(point, stage):
        if point is not None and point.law != T2_JOINT.name:
            raise T2JaxError(f"a t2-joint {stage} starts from a t2-joint fit, not a {point.law} fit "
                             f"(answer-NLL anchored fits have no {stage} yet)")


T2_JOINT_FAMILY = register_family(T2JointFamily())
register(T2_JOINT, builtin=True)

__all__ = ["JOINT_PARAMS", "JointStudies", "T2_JOINT", "T2_JOINT_FAMILY", "bootstrap_joint", "fit_anchored", "fit_joint",
           "from_t2_beta", "joint_beta", "joint_model", "joint_posterior"]
