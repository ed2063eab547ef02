"""Weighting: a weight for every node relative to its siblings, one module per family of methods.

:mod:`~indicators.weights.base` holds the registry :data:`WEIGHTERS`, ``expert`` and ``equal`` weights and
:func:`normalise_within_parents`; importing this package imports every method module, so
``from indicators.weights import WEIGHTERS`` has every method.

Weighting methods researchers can defend:

Each entry wraps an already-tested pure function and returns
:class:`~indicators.weights.ExplainedWeights`, so what it learned lands in
``IndexResult.explain["weights"]``:

``ahp``
    层次分析法: pairwise judgements per parent from a file (:mod:`indicators.weights.ahp`), principal
    eigenvector, CI/CR with a named warning above the threshold, several experts combined by the
    geometric mean.
``entropy``, ``critic``, ``sd``, ``pca``
    熵权法, CRITIC, standard-deviation and first-principal-component weights
    (:mod:`indicators.weights.objective`) among the children of each parent at the chosen levels.
``combined``
    a subjective and an objective method blended within each parent,
    ``α · subjective + (1 − α) · objective`` (or their normalised product).
``optimised``
    the weights of one level whose correlations with the index match target importances or
    whose total is largest (:func:`indicators.importance.optimise_weights`).

Data-driven methods see the normalised indicator table (every district-year, or one ``year``).
At levels above the indicators, a node's score is the weighted arithmetic mean of its children
under the weights learned below it (missing values skipped). Nodes at levels a method does not
weight take ``rest`` weights (the framework's expert points, or equal). Every explain carries
``learned``: the raw weights, which can be frozen and fed back as
``{method: expert, params: {overrides: ...}}`` so a later year is weighted as a base year was.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6.1,
https://doi.org/10.1787/9789264043466-en; Saaty (1980), *The Analytic Hierarchy Process*,
McGraw-Hill; Shannon (1948), https://doi.org/10.1002/j.1538-7305.1948.tb01338.x; Diakoulaki,
Mavrotas & Papayannakis (1995), https://doi.org/10.1016/0305-0548(94)00059-H; Becker et al. (2017),
https://doi.org/10.1016/j.ecolind.2017.03.056.
"""

from . import ahp, combined, objective, optimised  # noqa: F401 - each registers its weighters
from .base import (
    PROJECT_ROOT,
    WEIGHTERS,
    ExplainedWeights,
    equal,
    expert,
    normalise_within_parents,
    resolve_data_path,
    split_explain,
)

__all__ = ["PROJECT_ROOT", "WEIGHTERS", "ExplainedWeights", "equal", "expert", "normalise_within_parents",
           "resolve_data_path", "split_explain"]
