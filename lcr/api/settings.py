"""Server settings (pydantic-settings), read from the environment when a ``Settings`` is made, never at
import time. Each setting is a keyword argument (a command-line option), else a variable, else a default:

| setting | variable | default |
|---|---|---|
| index | ``LCR_INDEX`` | ``sample``: an index folder, or a name under the indexes folder (``$LCR_INDEX_DIR``, see :mod:`lcr.paths`) |
| host | ``LCR_HOST`` | ``127.0.0.1`` |
| port | ``LCR_PORT`` | ``8000`` (1..65535) |
| allow_public | ``LCR_ALLOW_PUBLIC`` | off (``1``/``true``/``yes``/``on`` turn it on) |
| log_level | ``LCR_LOG_LEVEL`` | ``info`` (debug, info, warning, error) |
| admin_token | ``LCR_ADMIN_TOKEN`` | none: the admin routes (``/v1/admin/…``, index rebuilds) are off |
| corpus_roots | ``LCR_CORPUS_ROOTS`` | none: folders (``:``-separated) a rebuild may read corpora from |

The default bind is loopback: the API has no authentication, so listening on every interface is
refused unless ``LCR_ALLOW_PUBLIC=1`` says that is intended. Other ``LCR_*`` variables (the
:mod:`lcr.paths` ones) are ignored here; no ``.env`` file is read. A bad value raises ``BadInput``
naming the variable (or the option) it came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lcr.errors import BadInput

ENV_PREFIX = "LCR_"
DEFAULT_INDEX = "sample"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PUBLIC_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})
LogLevel = Literal["debug", "info", "warning", "error"]
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})

# The environment ``Settings.from_env(env)`` reads instead of ``os.environ`` while it builds one.
_explicit_env: ContextVar[Mapping[str, str] | None] = ContextVar("lcr_api_settings_env", default=None)


class Settings(BaseSettings):
    """How ``lcr serve`` / ``serve.py`` serve: which index, where to listen, how much to log."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    index: str = Field(DEFAULT_INDEX, description="index folder, or a name under the indexes folder")
    host: str = Field(DEFAULT_HOST, description="interface to listen on")
    port: int = Field(DEFAULT_PORT, ge=1, le=65535, description="port to listen on")
    allow_public: bool = Field(False, description="consent to listening on every interface")
    log_level: LogLevel = Field("info", description="log verbosity")
    admin_token: str | None = Field(None, min_length=16, description="bearer token of the admin routes (off if unset)")
    corpus_roots: str = Field("", description="os.pathsep-separated folders a rebuild may read corpora from")

    @property
    def corpus_root_paths(self) -> list[Path]:
        return [Path(p) for p in self.corpus_roots.split(os.pathsep) if p.strip()]

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise BadInput(_describe(exc, given=set(values))) from None

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        index: str | None = None,
        host: str | None = None,
        port: int | None = None,
        log_level: str | None = None,
    ) -> Settings:
        """Settings from ``env`` (default ``os.environ``); keyword arguments that are not ``None`` win."""
        given = {"index": index, "host": host, "port": port, "log_level": log_level}
        overrides = {name: value for name, value in given.items() if value is not None}
        if env is None:
            return cls(**overrides)
        with _reading(env):
            return cls(**overrides)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # keyword arguments, then the environment (an explicit mapping in from_env); no .env, no secrets
        env = _explicit_env.get()
        return init_settings, env_settings if env is None else _MappingSource(settings_cls, env)

    @field_validator("index")
    @classmethod
    def _index_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name an index (a folder, or a name under the indexes folder)")
        return value

    @field_validator("allow_public", mode="before")
    @classmethod
    def _consent(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _TRUE | _FALSE:
                return word in _TRUE
            raise ValueError(f"must be one of {', '.join(sorted(_TRUE | (_FALSE - {''})))}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _loopback_unless_allowed(self) -> Settings:
        if self.host.strip() in PUBLIC_HOSTS and not self.allow_public:
            raise ValueError(
                f"refusing to listen on every interface ({self.host!r}): the API has no authentication; "
                f"set {ENV_PREFIX}ALLOW_PUBLIC=1 if that is intended"
            )
        return self


class _MappingSource(PydanticBaseSettingsSource):
    """The ``LCR_*`` entries of an explicit mapping (names matched case-insensitively, as from the OS)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env = {key.lower(): value for key, value in env.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        key = f"{ENV_PREFIX}{field_name}".lower()
        return self.env.get(key), key, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            value, _, _ = self.get_field_value(field, name)
            if value is not None:
                found[name] = value
        return found


@contextmanager
def _reading(env: Mapping[str, str]) -> Iterator[None]:
    token = _explicit_env.set(env)
    try:
        yield
    finally:
        _explicit_env.reset(token)


#: Settings whose value an error message must never repeat.
SECRET_SETTINGS = frozenset({"admin_token"})


def _describe(exc: ValidationError, given: set[str]) -> str:
    """One line: each bad setting named as the option (``--port``) or the variable (``LCR_PORT``) it came from."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        ctx_error = (err.get("ctx") or {}).get("error")
        message = str(ctx_error) if err.get("type") == "value_error" and ctx_error else err["msg"]
        if not loc:  # a rule over several settings (the public-bind consent)
            parts.append(message)
            continue
        name = str(loc[0])
        where = f"--{name.replace('_', '-')}" if name in given else f"{ENV_PREFIX}{name.upper()}"
        shown = "" if name in SECRET_SETTINGS else f" (got {err.get('input')!r})"  # never echo a secret
        parts.append(f"{where}: {message}{shown}")
    return "bad server settings: " + "; ".join(parts)
