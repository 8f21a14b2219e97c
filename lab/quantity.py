"""Kubernetes resource quantities ("500m", "4Gi", "1k") as numbers and back, for the lab's controllers."""

_BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def parse_quantity(value) -> float:
    """The quantity in base units (cores for cpu, bytes for memory, a count otherwise); None or "" is 0."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text[-2:] in _BINARY:
        return float(text[:-2]) * _BINARY[text[-2:]]
    if text[-1:] in _DECIMAL:
        return float(text[:-1]) * _DECIMAL[text[-1:]]
    return float(text)


def format_cpu(cores: float) -> str:
    """Cores as whole cores when exact ("2"), else millicores ("1500m")."""
    millis = int(round(cores * 1000))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory_kib(num_bytes: float) -> str:
    """Bytes in KiB, the way a kubelet reports node memory ("16303412Ki")."""
    return f"{int(num_bytes) // 1024}Ki"


def format_bytes(value: float) -> str:
    """Bytes as the largest exact binary quantity ("2Gi", "1536Mi"), else plain bytes."""
    number = int(value)
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        factor = _BINARY[suffix]
        if number and number % factor == 0:
            return f"{number // factor}{suffix}"
    return str(number)
