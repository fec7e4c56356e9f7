"""What the analysis and coverage pages' maps carry besides the drawing (portal.maps): the links that shade the
same map by something else, and the regions with figures that the map has no outline for."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Shading:
    label: str
    url: str
    is_current: bool


@dataclass(frozen=True)
class RegionMap:
    svg: Markup
    shadings: list[Shading]
    not_on_map: list[str] = field(default_factory=list)  # rows of the table that the map cannot show
