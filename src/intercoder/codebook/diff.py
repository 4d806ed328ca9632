"""What changed between two versions of a codebook, and how big a version bump that needs.

Semantic versioning for codebooks (docs/methodologist/codebook-format.md):

* **patch** — wording, translations, examples, include/exclude rules, sources, markers, order of
  non-scale categories and of variables: every old coding keeps its meaning;
* **minor** — added categories or variables, changed thresholds, a variable made optional or a
  number range widened: old codings stay valid;
* **major** — removed, retired, merged or redefined codes; a changed type, level or ``show_if``;
  a reordered ordinal scale; a category moved to another parent; a narrowed range; a variable
  coded per statement instead of per text (or back); a code made exclusive: old codings would be
  read differently or become invalid, so they need the migration map.

Codebooks are compared as loaded, with shared vocabularies expanded: moving to another version
of a vocabulary counts as the changes it brings.
"""

from __future__ import annotations

from typing import Any

import attrs

from .model import Category, Codebook, Variable

PATCH, MINOR, MAJOR = "patch", "minor", "major"
_RANK = {None: 0, PATCH: 1, MINOR: 2, MAJOR: 3}


@attrs.frozen
class Change:
    kind: str  # patch | minor | major
    where: str  # e.g. "target_group/uzbeks"
    what: str
    #: Not allowed under any bump (a deleted code: older codings would lose their meaning).
    forbidden: bool = False


@attrs.frozen
class CodebookDiff:
    old: str  # id@version
    new: str
    changes: tuple[Change, ...]
    declared: str | None  # the bump between the two versions; None when NEW is not newer

    @property
    def required(self) -> str | None:
        """The smallest bump the changes need; None when nothing changed."""
        return max((c.kind for c in self.changes), key=_RANK.__getitem__, default=None)

    @property
    def forbidden(self) -> tuple[Change, ...]:
        """Changes no version bump allows."""
        return tuple(change for change in self.changes if change.forbidden)

    @property
    def bump_ok(self) -> bool:
        if self.forbidden:
            return False
        if self.declared is None:
            return not self.changes and self.old == self.new
        return _RANK[self.declared] >= _RANK[self.required]

    def verdict(self) -> str:
        if self.declared is None and self.old != self.new:
            return f"{self.new} is not newer than {self.old}"
        if self.forbidden:
            return (
                f"{len(self.forbidden)} code(s) deleted, which no version allows: keep each "
                "code with retired_in and merged_into or replaced_by, so older codings migrate"
            )
        if self.bump_ok:
            return "ok"
        return f"version bump too small: the changes need a {self.required} release"

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "declared": self.declared,
            "required": self.required,
            "ok": self.bump_ok,
            "changes": [attrs.asdict(change) for change in self.changes],
        }

    def render(self) -> str:
        lines = [
            f"{self.old} -> {self.new}: declared {self.declared or 'no'} bump, "
            f"changes need {self.required or 'none'}: {self.verdict()}"
        ]
        for change in sorted(self.changes, key=lambda c: -_RANK[c.kind]):
            lines.append(f"  {change.kind:<5}  {change.where}: {change.what}")
        return "\n".join(lines) + "\n"


def declared_bump(old: tuple[int, int, int], new: tuple[int, int, int]) -> str | None:
    if new <= old:
        return None
    if new[0] != old[0]:
        return MAJOR
    if new[1] != old[1]:
        return MINOR
    return PATCH


def diff_codebooks(old: Codebook, new: Codebook) -> CodebookDiff:
    """Classify every change from ``old`` to ``new``."""
    changes: list[Change] = []

    def add(kind: str, where: str, what: str, *, forbidden: bool = False) -> None:
        changes.append(Change(kind, where, what, forbidden))

    if old.id != new.id:
        add(MAJOR, "codebook", f"a different codebook ({old.id} -> {new.id})")
    for name in ("title", "description", "license", "authors", "sources"):
        if getattr(old, name) != getattr(new, name):
            add(PATCH, name, "changed")
    added_langs = [lang for lang in new.languages if lang not in old.languages]
    dropped_langs = [lang for lang in old.languages if lang not in new.languages]
    if added_langs:
        add(PATCH, "languages", f"added {', '.join(added_langs)}")
    if dropped_langs:
        add(MINOR, "languages", f"dropped {', '.join(dropped_langs)}")
    if old.reliability != new.reliability:
        add(MINOR, "reliability", "default thresholds changed")
    if old.markers != new.markers:
        add(PATCH, "markers", "lexicon changed")

    old_vars = {v.id: v for v in old.variables}
    new_vars = {v.id: v for v in new.variables}
    for var_id in old_vars.keys() - new_vars.keys():
        add(MAJOR, var_id, "variable removed (its codings can no longer be read)")
    for var_id in new_vars.keys() - old_vars.keys():
        add(MINOR, var_id, "variable added")
    common_old = [v for v in old.variables if v.id in new_vars]
    common_new = [v for v in new.variables if v.id in old_vars]
    if [v.id for v in common_old] != [v.id for v in common_new]:
        add(PATCH, "variables", "display order changed")
    for var in common_old:
        _diff_variable(var, new_vars[var.id], add)

    return CodebookDiff(
        old.ref, new.ref, tuple(changes), declared_bump(old.version_tuple, new.version_tuple)
    )


def _diff_variable(old: Variable, new: Variable, add: Any) -> None:
    where = old.id
    if old.type != new.type:
        add(MAJOR, where, f"type changed from {old.type} to {new.type}")
    if old.level != new.level:
        add(MAJOR, where, f"level of measurement changed from {old.level} to {new.level}")
    if old.show_if != new.show_if:
        add(MAJOR, where, "show_if changed (a different set of units gets coded)")
    if old.unit != new.unit:
        add(MAJOR, where, f"now coded per {new.unit} instead of per {old.unit}")
    if old.required != new.required:
        add(MINOR, where, "now required" if new.required else "now optional")
    if old.reliability != new.reliability:
        add(MINOR, where, "reliability thresholds changed")
    _diff_range(old, new, where, add)
    for name in ("label", "question", "definition", "instructions", "sources"):
        if getattr(old, name) != getattr(new, name):
            add(PATCH, where, f"{name} changed")

    old_cats = {cat.code: (cat, _parent(old, cat.code)) for cat, _ in old.walk()}
    new_cats = {cat.code: (cat, _parent(new, cat.code)) for cat, _ in new.walk()}
    for code in sorted(old_cats.keys() - new_cats.keys()):
        add(
            MAJOR,
            f"{where}/{code}",
            "code deleted (codes are never deleted; keep it with retired_in and a migration)",
            forbidden=True,
        )
    for code in new_cats.keys() - old_cats.keys():
        cat = new_cats[code][0]
        if cat.retired:
            add(MAJOR, f"{where}/{code}", "added as retired")
        else:
            add(MINOR, f"{where}/{code}", "code added")
    for code in old_cats.keys() & new_cats.keys():
        (was, old_parent), (now, new_parent) = old_cats[code], new_cats[code]
        _diff_category(was, now, old_parent, new_parent, f"{where}/{code}", add)

    old_order = [code for code in old_cats if code in new_cats]
    new_order = [code for code in new_cats if code in old_cats]
    if old_order != new_order:
        if "ordinal_scale" in (old.type, new.type):
            add(MAJOR, where, "order of the scale changed")
        else:
            add(PATCH, where, "order of categories changed")


def _diff_range(old: Variable, new: Variable, where: str, add: Any) -> None:
    if (old.minimum, old.maximum) == (new.minimum, new.maximum):
        return
    narrowed = (new.minimum is not None and (old.minimum is None or new.minimum > old.minimum)) or (
        new.maximum is not None and (old.maximum is None or new.maximum < old.maximum)
    )
    add(MAJOR if narrowed else MINOR, where, "range narrowed" if narrowed else "range widened")


def _parent(var: Variable, code: str) -> str | None:
    path = var.path_to(code)
    return path[-2] if len(path) > 1 else None


def _diff_category(
    old: Category,
    new: Category,
    old_parent: str | None,
    new_parent: str | None,
    where: str,
    add: Any,
) -> None:
    if not old.retired and new.retired:
        how = (
            f"merged into {new.merged_into}"
            if new.merged_into
            else f"replaced by {', '.join(new.replaced_by)}"
            if new.replaced_by
            else "retired"
        )
        add(MAJOR, where, how)
    elif old.retired and not new.retired:
        add(MAJOR, where, "a retired code is back in use (codes are never reused)")
    if old_parent != new_parent:
        add(MAJOR, where, f"moved from {old_parent or 'the top'} to {new_parent or 'the top'}")
    if new.redefined_in and new.redefined_in != old.redefined_in:
        add(MAJOR, where, f"redefined in {new.redefined_in}")
    if new.exclusive and not old.exclusive:
        add(MAJOR, where, "made exclusive (old codings that combine it with others are invalid)")
    elif old.exclusive and not new.exclusive:
        add(MINOR, where, "no longer exclusive (it may now be combined with other codes)")
    for name in ("label", "definition", "include", "exclude", "examples", "sources"):
        if getattr(old, name) != getattr(new, name):
            add(PATCH, where, f"{name} changed")
