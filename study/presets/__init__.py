"""Study specs shipped with the package: `mo-orpo study launch --preset NAME`."""

from __future__ import annotations

from importlib import resources

from mo_orpo.config import ConfigError


def available_presets() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir()
                  if p.name.endswith(".yaml"))


def preset_path(name: str) -> str:
    """The YAML file of preset `name`; an unknown name lists the available ones."""
    path = resources.files(__package__) / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError([f"--preset: got {name!r}; available presets: "
                           f"{', '.join(available_presets())}"], "study launch")
    return str(path)
