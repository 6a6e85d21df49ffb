"""YAML from untrusted hands: bounded size, no anchors or aliases, no duplicate keys,
bounded nesting. Refusals raise YamlRefused with a one-line reason; callers turn it
into their own error type.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlRefused(ValueError):
    """The text is not YAML we accept (malformed, too big, aliased, too deep)."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_mapping(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _one_line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def load_safe_yaml(
    text: str, *, max_bytes: int = 64 * 1024, max_depth: int = 32, max_nodes: int = 20_000
) -> object:
    """Parse one YAML document; an empty document is None."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YamlRefused(f"larger than {max_bytes} bytes")
    depth = nodes = 0
    try:
        # Scan events first: aliases (billion-laughs bombs) and depth are refused before
        # anything is built.
        for event in yaml.parse(text, Loader=_StrictLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlRefused("YAML anchors and aliases are not allowed")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    raise YamlRefused(f"nested deeper than {max_depth} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > max_nodes:
                    raise YamlRefused(f"more than {max_nodes} values")
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YamlRefused(f"invalid YAML: {_one_line(exc)}") from exc
    except RecursionError as exc:
        raise YamlRefused("nested too deeply") from exc
