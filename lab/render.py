"""Human-readable `lab status`: the API part, then each component's own rendering."""


def render_api(api: dict) -> str:
    lines = [f"API server  {api.get('url')}  resourceVersion {api.get('resourceVersion')}  "
             f"watchers {api.get('watchers', 0)}"]
    for key, count in sorted((api.get("objects") or {}).items()):
        lines.append(f"  {key:<48} {count:>7}")
    if api.get("missing_components"):
        lines.append(f"  components not available: {', '.join(api['missing_components'])}")
    return "\n".join(lines)


def render_status(status: dict, components: dict | None = None) -> str:
    parts = [render_api(status.get("api") or {})]
    for name, value in status.items():
        if name == "api":
            continue
        component = (components or {}).get(name)
        if component is not None and hasattr(component, "render_status"):
            parts.append(component.render_status(value))
        else:
            parts.append(f"{name}: {value}")
    return "\n\n".join(parts)
