"""Model folders: save and load with meta.json, sha256 and version checks.

joblib files run code when loaded, so a model file is only unpickled after its sha256 matches the
manifest and the scikit-learn version it was trained with matches the one installed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import joblib

from .about import __version__
from .errors import ModelError
from .resources import models_dir

logger = logging.getLogger("minenlp")

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
# The shipped model folders (one place to bump a version).
DEFAULT_STANCE = "stance-v2"
DEFAULT_JURISDICTIONS = "jurisdictions-v2"


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    import numpy
    import scipy
    import sklearn
    import spacy

    return {"minenlp": __version__, "scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "scipy": scipy.__version__, "joblib": joblib.__version__, "spacy": spacy.__version__,
            "python": platform.python_version()}


@dataclass
class ModelBundle:
    """A loaded model with its manifest and the folder it came from."""

    model: Any
    meta: dict[str, Any]
    path: Path


def save_model_dir(model: Any, path: str | Path, *, meta: dict[str, Any], card: str | None = None) -> Path:
    """Write ``model.joblib``, ``meta.json`` (with hashes and versions) and a model card.

    Parameters
    ----------
    model : fitted estimator
    path : folder to create or overwrite
    meta : extra fields for meta.json (labels, metrics, training data hash, ...)
    card : the README.md text; left as it is when None

    Examples
    --------
    >>> save_model_dir(clf, "models/stance-v2", meta={"labels": list(clf.classes_)})  # doctest: +SKIP
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model_path = path / MODEL_FILE
    joblib.dump(model, model_path, compress=3)
    full = {
        "name": path.name,
        **meta,
        "model_file": MODEL_FILE,
        "model_sha256": sha256_of(model_path),
        "versions": library_versions(),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (path / META_FILE).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if card is not None:
        (path / "README.md").write_text(card, encoding="utf-8")
    return path


def read_meta(path: str | Path) -> dict[str, Any]:
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise ModelError(f"{path} is not a model folder: it has no {META_FILE}. "
                         f"Train one with `minenlp train FILE -o {path}`.")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{meta_path} is not valid JSON ({exc.msg}); restore it or retrain the model") from exc


def load_model_dir(path: str | Path) -> ModelBundle:
    """Load a model folder after checking its file hash and scikit-learn version.

    Raises
    ------
    ModelError
        When the folder is incomplete, the model file does not match its manifest (tampered
        or corrupted), or it was trained with another scikit-learn version.
    """
    import sklearn

    path = Path(path)
    meta = read_meta(path)
    model_path = path / meta.get("model_file", MODEL_FILE)
    if not model_path.is_file():
        raise ModelError(f"{path} has no {model_path.name}; the folder is incomplete. Retrain or restore it.")
    digest = sha256_of(model_path)
    if digest != meta.get("model_sha256"):
        raise ModelError(
            f"{model_path} does not match the sha256 in {path / META_FILE} (file {digest[:12]}..., "
            f"manifest {str(meta.get('model_sha256'))[:12]}...). It was changed after training and is not "
            f"loaded (joblib files can run code). Restore the original file or retrain with `minenlp train`.")
    trained = meta.get("versions", {}).get("scikit-learn")
    if trained != sklearn.__version__:
        raise ModelError(
            f"{path} was trained with scikit-learn {trained}, but {sklearn.__version__} is installed. "
            f"Install scikit-learn=={trained} or retrain the model with `minenlp train`.")
    return ModelBundle(model=joblib.load(model_path), meta=meta, path=path)


def default_model_dir(name: str) -> Path | None:
    """A shipped model folder by name, or None when this install has none."""
    path = models_dir() / name
    return path if (path / META_FILE).is_file() else None


def default_stance_dir() -> Path | None:
    """The shipped stance model folder, or None when this install has none."""
    return default_model_dir(DEFAULT_STANCE)


def copy_model_dir(src: str | Path, dst: str | Path) -> None:
    """Copy a model folder's files (used when a pipeline saves itself)."""
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        return
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file():
            shutil.copy2(f, dst / f.name)


class ModelFolderComponent:
    """Base of the spaCy components that apply a model folder to batches of docs.

    It loads the folder (or the shipped default), batches docs for :meth:`_apply`, and saves the
    folder inside a pipeline on ``to_disk`` so that ``spacy.load`` finds it again. A folder named
    in a saved pipeline's config may not exist on another machine: construction then waits for
    ``from_disk`` to load the pipeline's own copy.
    """

    default_name = ""

    def __init__(self, name: str, model_dir: str = "") -> None:
        self.name = name
        path = Path(model_dir) if model_dir else default_model_dir(self.default_name)
        self.bundle: ModelBundle | None = None
        if path is not None and (path / META_FILE).is_file():
            self.bundle = load_model_dir(path)
        elif path is not None:
            logger.info("model folder %s not found; waiting for from_disk", path)

    def __call__(self, doc):
        return next(iter(self.pipe([doc])))

    def pipe(self, docs, *, batch_size: int = 64):
        batch = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._apply(batch) if self.bundle is not None else batch
                batch = []
        if batch:
            yield from self._apply(batch) if self.bundle is not None else batch

    def _apply(self, docs: list) -> list:
        raise NotImplementedError

    def to_disk(self, path: str | Path, *, exclude=()) -> None:
        if self.bundle is not None:
            copy_model_dir(self.bundle.path, Path(path))

    def from_disk(self, path: str | Path, *, exclude=()):
        if (Path(path) / META_FILE).is_file():
            self.bundle = load_model_dir(Path(path))
        return self
