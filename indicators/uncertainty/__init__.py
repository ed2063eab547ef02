"""Uncertainty and sensitivity analysis of an index: Monte Carlo ranks and Sobol indices.

Which methodology choices are uncertain is declared as a plain spec (:class:`UncertaintySpec`, a
list of inputs, YAML-able) over the methodology's public fields — never as paths into objects:

:class:`Choice`
    a methodology field (``impute``, ``treat``, ``normalise``, ``weights``, ``aggregate``,
    ``missing``, ``exclude``) takes one of several options, equally likely; ``aggregate`` and
    ``missing`` options may be limited to some levels. Indicator inclusion is a choice of
    ``exclude`` lists.
:class:`WeightNoise`
    multiplicative noise on the weights of some nodes, ``w · (1 + U(−noise, +noise))`` (COINr's
    ``get_noisy_weights``): fresh noise per replication (``sets: null``; one factor per node,
    grouped into one input for the Sobol analysis), or ``sets: k`` weight sets drawn once, of which
    each replication picks one (COINr's sensitivity vignette, a single discrete factor).

:func:`sample_assumptions` draws the replications (``design="montecarlo"``: independent uniform
draws; ``"sobol"``: Saltelli's design from SALib, ``N (d + 2)`` replications for ``d`` inputs)
and resolves them into an :class:`Assumptions` table (the option index of every choice and the
weight multiplier of every perturbed node, per replication). :func:`evaluate` scores every
replication; :func:`run_uncertainty` does both. Saving an :class:`Assumptions` (spec, nominal
methodology, design, seed and the resolved table, floats written exactly) lets anyone replay the
run bit for bit with :func:`replay`.

Vectorised: the data stages (imputation × treatment × normalisation) are computed once per
combination that occurs, with :func:`~indicators.build_index`; each combination's weights come
from the methodology's weighter on that data. Replications sharing their discrete choices are then
aggregated together by :func:`indicators.tree.aggregate_many` in chunks (arrays of shape
``(replications, rows)``) and ranked by sorting (:func:`indicators.tree.rank_within_years`). One
replication costs a tiny fraction of a pipeline rebuild (``benchmarks/bench_uncertainty.py``).
The engine's aggregation is the pipeline's operation for operation, so a replication whose
choices equal the nominal methodology reproduces the nominal index exactly; every run checks this
on the nominal methodology before it starts.

Imputation, treatment and normalisation act column by column (true of every registered method),
so the indicators that remain after an exclusion keep their values; only the weights (recomputed
by the weighter on the remaining columns) and the tree change.

Outputs (:class:`UncertaintyResult`): per district-year, the nominal rank, median and mean rank,
the 5th–95th percentile interval and the share of replications within ±k of the median
(:meth:`~UncertaintyResult.rank_stats`); per year, the share of districts whose nominal rank lies
within ±k of their median rank and whose 90 % interval lies within median ± k
(:meth:`~UncertaintyResult.summary`); for a Sobol design, first-order and total sensitivity
indices of the mean absolute rank shift against the nominal ranking, with bootstrap confidence
intervals (:meth:`~UncertaintyResult.sensitivity`, SALib's estimators).

References: Saisana, Saltelli & Tarantola (2005), "Uncertainty and sensitivity analysis
techniques as tools for the quality assessment of composite indicators", *JRSS A* 168(2),
307–323, https://doi.org/10.1111/j.1467-985X.2005.00350.x; Saltelli (2002), "Making best use of
model evaluations to compute sensitivity indices", *Computer Physics Communications* 145(2),
280–297, https://doi.org/10.1016/S0010-4655(02)00280-1; Saltelli, Annoni, Azzini, Campolongo,
Ratto & Tarantola (2010), "Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index", *Computer Physics Communications* 181(2), 259–270,
https://doi.org/10.1016/j.cpc.2009.09.018; OECD/JRC (2008), *Handbook on Constructing Composite
Indicators*, §7, https://doi.org/10.1787/9789264043466-en; Herman & Usher (2017), "SALib",
*JOSS* 2(9), 97, https://doi.org/10.21105/joss.00097; COINr ``get_sensitivity()``,
``get_noisy_weights()``, https://doi.org/10.21105/joss.04567.

The package: :mod:`~indicators.uncertainty.spec`, :mod:`~indicators.uncertainty.sampling`,
:mod:`~indicators.uncertainty.engine` (scoring replications) and :mod:`~indicators.uncertainty.results`.
"""

from .engine import evaluate, replay, run_uncertainty
from .results import UncertaintyResult, load_uncertainty
from .sampling import Assumptions, load_assumptions, salib_problem, sample_assumptions
from .spec import FIELDS, Choice, UncertaintySpec, WeightNoise

__all__ = [
    "FIELDS",
    "Assumptions",
    "Choice",
    "UncertaintyResult",
    "UncertaintySpec",
    "WeightNoise",
    "evaluate",
    "load_assumptions",
    "load_uncertainty",
    "replay",
    "run_uncertainty",
    "salib_problem",
    "sample_assumptions",
]

