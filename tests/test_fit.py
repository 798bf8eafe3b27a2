"""Fitting lives in the product: ``lcr train`` calls lcr.fit only, and the lab's served-reranker system is
the product's recipe (so the evaluated ``ranksvm-legal`` and the shipped one come from one fit)."""

from __future__ import annotations

import ast
from pathlib import Path

from lcr.experiments.crossfit import recipe
from lcr.fit.reranker import PRODUCTION_RERANKER, SERVED_RECIPE

ROOT = Path(__file__).resolve().parents[1]


def test_the_lab_evaluates_the_recipe_the_product_ships():
    assert recipe(PRODUCTION_RERANKER) == SERVED_RECIPE
    assert recipe("ranksvm").pools is False and recipe("ranksvm-legal-served").served is True


def test_lcr_train_imports_no_lab_code():
    tree = ast.parse((ROOT / "lcr" / "cli.py").read_text(encoding="utf-8"))
    train = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "train")
    modules = {n.module for n in ast.walk(train) if isinstance(n, ast.ImportFrom)}
    assert "lcr.fit.reranker" in modules and "lcr.fit.lcm_lai" in modules
    assert not any(m and m.startswith("lcr.experiments") for m in modules), modules
