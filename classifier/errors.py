"""The one exception the classifier raises for bad input data or artefacts."""

from __future__ import annotations


class ClassifierDataError(Exception):
    """Bad training/evaluation data or a model artefact that must not be used."""

    def __init__(self, code: str, message: str) -> None:
        # code is a stable English identifier for programs; message is Chinese for the people reading it.
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """Return the error as the API's {code, message} shape."""
        return {"code": self.code, "message": self.message}
