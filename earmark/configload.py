"""Turn plain YAML data into validated dataclasses, with errors that name the key path."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

from earmark.errors import EarmarkError

# Keys that must never hold a secret value in the YAML; each has an `<key>_env` twin.
SECRET_KEYS = {
    "token",
    "secret",
    "client_secret",
    "password",
    "app_password",
    "api_key",
    "bearer_token",
    "refresh_token",
    "access_token",
    "webhook",
    "webhook_url",
    "key",
}

# A `*_env` key holds the NAME of the variable holding a secret, never a value.
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENV_NAME_PROBLEM = (
    "must be the NAME of an environment variable (letters, digits and _), not the secret itself"
)


def is_env_name(value: str) -> bool:
    """Say whether value can be a variable's name and does not look like a pasted token."""
    if not ENV_NAME.match(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    mixed_case = value != value.upper() and value != value.lower()
    # Names are words (REDDIT_CLIENT_SECRET); tokens are long runs of mixed case and digits
    # (ghp_..., a 40-digit hex key), which the name pattern alone would let through.
    return not (len(value) >= 24 and digits >= 3 and (mixed_case or len(value) >= 32))


class ConfigError(EarmarkError):
    """The configuration is invalid; the message names the file, key path and problem."""


class FieldError(ValueError):
    """Raised by a dataclass's validate() to blame one of its keys."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def yaml_key(field: dataclasses.Field) -> str:
    """Return the YAML key of a dataclass field (`metadata={'key': 'from'}` renames it)."""
    return field.metadata.get("key", field.name)


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is list:
        return "a list"
    if origin is dict:
        return "a mapping"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _fail(path: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}" if path else message)


def convert(tp: Any, value: Any, path: str) -> Any:
    """Check value against the type hint tp (recursively) and build dataclasses."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            if type(None) in get_args(tp):
                return None
            raise _fail(path, f"must be {_type_name(tp)}, not empty")
        errors = []
        for arg in args:
            try:
                return convert(arg, value, path)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if origin is list:
        if isinstance(value, str):
            value = [value]  # a single term is a list of one, as people write it
        if not isinstance(value, list):
            raise _fail(path, f"must be a list, not {type(value).__name__}")
        (item_type,) = get_args(tp) or (Any,)
        return [convert(item_type, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _fail(path, f"must be a mapping, not {type(value).__name__}")
        _, value_type = get_args(tp) or (Any, Any)
        return {str(k): convert(value_type, v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return load_dataclass(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise _fail(path, f"must be true or false, not {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"must be an integer, not {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, f"must be a number, not {value!r}")
        return float(value)
    if tp is str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise _fail(path, f"must be a string, not {type(value).__name__}")
        return value
    return value


def load_dataclass(cls: type, data: Any, path: str = "") -> Any:
    """Build dataclass cls from a mapping, rejecting unknown keys with a 'did you mean'."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail(path, f"must be a mapping, not {type(data).__name__}")
    hints = get_type_hints(cls)
    fields = {yaml_key(f): f for f in dataclasses.fields(cls) if f.init}
    kwargs = {}
    for key, value in data.items():
        key = str(key)
        where = f"{path}.{key}" if path else key
        if key not in fields:
            if key in SECRET_KEYS or f"{key}_env" in fields:
                raise _fail(
                    where,
                    "secrets must not be written in the config file; put the value in an "
                    f"environment variable and name it with {key}_env: VARIABLE_NAME",
                )
            hint = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise _fail(where, f"unknown key{suggestion}")
        field = fields[key]
        kwargs[field.name] = convert(hints[field.name], value, where)
        if key.endswith("_env") and isinstance(kwargs[field.name], str):
            if not is_env_name(kwargs[field.name]):
                # Never echo the value: it may be the secret itself (a pasted webhook URL).
                raise _fail(where, ENV_NAME_PROBLEM)
    missing = [
        yaml_key(f)
        for f in dataclasses.fields(cls)
        if f.init
        and f.name not in kwargs
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise _fail(path, f"missing required key {missing[0]!r}")
    try:
        instance = cls(**kwargs)
    except (TypeError, ValueError) as error:
        raise _fail(path, str(error)) from error
    validate = getattr(instance, "validate", None)
    if validate is not None:
        try:
            validate()
        except FieldError as error:
            raise _fail(f"{path}.{error.key}" if path else error.key, str(error)) from error
        except ValueError as error:
            raise _fail(path, str(error)) from error
    return instance


def describe_fields(cls: type) -> list[str]:
    """Return the YAML keys of a dataclass (for docs and `earmark config`)."""
    return [yaml_key(f) for f in dataclasses.fields(cls)]


__all__ = [
    "ENV_NAME",
    "ENV_NAME_PROBLEM",
    "ConfigError",
    "is_env_name",
    "FieldError",
    "convert",
    "load_dataclass",
    "describe_fields",
]
