"""The learned event detector: a linear classifier over candidate trigger tokens, and its calibrator.

Weights live in a folder (`weights.npz`, `model.json`); the shipped model is `wirecoder/data/model/`,
loaded with importlib.resources. Inference needs NumPy only; training (`learned.train`) uses scikit-learn.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from spacy.tokens import Token

from ..errors import DataFileError
from ..lexicon import Lexicon
from .features import DENSE_SCALE, token_features

NONE = "NONE"
MODEL_FORMAT = 1


@dataclass
class Calibrator:
    """Logistic map from what the coders said about a candidate event to P(the event is right)."""

    names: tuple[str, ...]
    coef: np.ndarray
    intercept: float

    def __call__(self, values: dict[str, float]) -> float:
        x = np.array([values.get(n, 0.0) for n in self.names], dtype=np.float64)
        return float(1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept))))


CALIBRATION_FEATURES = ("p_type", "p_none", "rule", "rule_conf", "rule_x_p", "retyped", "learned_only",
                        "has_actor", "has_recipient", "modal")


@dataclass
class EventModel:
    name: str
    classes: tuple[str, ...]
    vocab: dict[str, int]
    weights: np.ndarray          # (n_features, n_classes)
    dense_weights: np.ndarray    # (dense_dim, n_classes)
    bias: np.ndarray             # (n_classes,)
    verb_types: dict[str, tuple[str, ...]]
    cameo_by_lemma: dict[str, str]  # "lemma|TYPE" -> most frequent CAMEO code in the training data
    calibrator: Calibrator
    keep_threshold: float        # calibrated confidence below which a candidate event is dropped
    meta: dict

    @property
    def none_index(self) -> int:
        return self.classes.index(NONE)

    def features(self, tok: Token, lexicon: Lexicon | None) -> list[int]:
        feats = token_features(tok, lexicon, self.verb_types)
        return [i for i in (self.vocab.get(f) for f in feats) if i is not None]

    def probabilities(self, tokens: list[Token], lexicon: Lexicon | None) -> np.ndarray:
        """Class probabilities for each token (rows follow `tokens`)."""
        if not tokens:
            return np.zeros((0, len(self.classes)))
        scores = np.empty((len(tokens), len(self.classes)))
        tensor = tokens[0].doc.tensor
        for row, tok in enumerate(tokens):
            idx = self.features(tok, lexicon)
            s = self.weights[idx].sum(axis=0) if idx else np.zeros(len(self.classes))
            if tensor is not None and tensor.shape[0] > tok.i and tensor.shape[1] == self.dense_weights.shape[0]:
                s = s + (tensor[tok.i] * DENSE_SCALE) @ self.dense_weights
            scores[row] = s + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vocab = sorted(self.vocab, key=self.vocab.get)
        np.savez_compressed(folder / "weights.npz", weights=self.weights.astype(np.float16),
                            dense=self.dense_weights.astype(np.float32), bias=self.bias.astype(np.float32))
        doc = {
            "format": MODEL_FORMAT, "name": self.name, "classes": list(self.classes), "vocab": vocab,
            "verb_types": {k: list(v) for k, v in sorted(self.verb_types.items())},
            "cameo_by_lemma": dict(sorted(self.cameo_by_lemma.items())),
            "calibrator": {"names": list(self.calibrator.names), "coef": [round(float(c), 6) for c in
                                                                          self.calibrator.coef],
                           "intercept": round(float(self.calibrator.intercept), 6)},
            "keep_threshold": self.keep_threshold, "meta": self.meta,
        }
        (folder / "model.json").write_text(json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                                           encoding="utf-8")


def load_model(folder: str | Path) -> EventModel:
    """Load a trained model folder; a missing or malformed one raises DataFileError naming it."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        arrays = np.load(folder / "weights.npz")
        weights, dense, bias = arrays["weights"], arrays["dense"], arrays["bias"]
    except FileNotFoundError as exc:
        raise DataFileError("not a wirecoder model folder (model.json and weights.npz expected)",
                            source=str(folder), hint="train one with `wirecoder train`") from exc
    except (ValueError, KeyError, OSError) as exc:
        raise DataFileError(f"unreadable model: {exc}", source=str(folder)) from exc
    if doc.get("format") != MODEL_FORMAT:
        raise DataFileError(f"model format {doc.get('format')!r}; this wirecoder reads {MODEL_FORMAT}",
                            source=str(folder))
    vocab = {f: i for i, f in enumerate(doc["vocab"])}
    if weights.shape != (len(vocab), len(doc["classes"])):
        raise DataFileError("weights do not match the vocabulary", source=str(folder))
    cal = doc["calibrator"]
    return EventModel(
        name=doc["name"], classes=tuple(doc["classes"]), vocab=vocab, weights=weights.astype(np.float32),
        dense_weights=dense, bias=bias, verb_types={k: tuple(v) for k, v in doc["verb_types"].items()},
        cameo_by_lemma=doc["cameo_by_lemma"],
        calibrator=Calibrator(tuple(cal["names"]), np.array(cal["coef"]), float(cal["intercept"])),
        keep_threshold=float(doc["keep_threshold"]), meta=doc.get("meta", {}),
    )


def shipped_model_path() -> Path:
    return Path(str(resources.files("wirecoder").joinpath("data", "model")))


@functools.lru_cache(maxsize=1)
def default_model() -> EventModel:
    return load_model(shipped_model_path())
