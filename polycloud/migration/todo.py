"""The to-do list after a migration, from its report: identities and roles to create, invoker grants, secret
access, images to copy (with the exact command), code to change, callers and DNS to move, the source to retire."""

from __future__ import annotations

from polycloud.migration.hooks import Portability
from polycloud.migration.mapping import Target
from polycloud.migration.report import Row, TodoItem
from polycloud.migration.types import Status
from polycloud.spec import FunctionSpec

__all__ = ["copy_command", "todo_list"]


def copy_command(source: str, target: str) -> str:
    """The command that copies an image between registries, every platform of it (crane; or
    ``docker buildx imagetools create --tag TARGET SOURCE``)."""
    return f"crane copy {source} {target}"


def _plain(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _leaving_items(rows: list[Row], source_data: Portability) -> list[TodoItem]:
    items = []
    for row in rows:
        parts = row.field.split(".")
        if row.status != Status.DROPPED or parts[0] != "providers" or len(parts) != 3:
            continue
        leaving = source_data.leaving.get(parts[2])
        if leaving is not None and leaving.todo:
            items.append(TodoItem(leaving.todo, f"{leaving.what} ({_plain(row.source)}) is not carried: "
                                  f"{leaving.instead}"))
    return items


def todo_list(source: FunctionSpec, source_provider: str | None, target: Target, target_provider: str,
              rows: list[Row], source_data: Portability, target_data: Portability, *,
              url: str | None = None) -> list[TodoItem]:
    """What the user must still do, in the order to do it."""
    spec = target.spec
    items = _leaving_items(rows, source_data)
    image = next((a for a in target.adjustments if a.field == "image"), None)
    if image is not None:
        items.append(TodoItem("image", f"copy the image to the target's registry before the deploy pulls it "
                              f"(or: docker buildx imagetools create --tag {image.after} {image.before})",
                              copy_command(str(image.before), str(image.after))))
    if any(a.field == "architecture" for a in target.adjustments):
        items.append(TodoItem("image", f"make sure {spec.image} is built for linux/amd64 (the source ran "
                              f"{source.architecture})"))
    items += [TodoItem("identity", grant) for grant in target_data.grants(spec)]
    reader = target_data.secret_reader(spec)
    for name, ref in spec.secrets.items():
        reference = ref.set_sections().get(target.section)
        if reference:
            items.append(TodoItem("secret-access", f"secret {name} ({reference}): "
                                  f"{reader or 'grant the function read access to it'}"))
    items += [TodoItem("code", f"{row.field}: {row.message}") for row in rows if row.status == Status.EMULATED]
    invoker = target_data.invoker(spec)
    if invoker:
        items.append(TodoItem("invoker", invoker))
    where = url or f"the new {target_provider} URL"
    items.append(TodoItem("callers", f"move callers and DNS from the {source_provider or 'old'} function to "
                          f"{where}"))
    if source_provider:
        items.append(TodoItem("retire", f"once traffic has moved, retire the source {source_provider} "
                              f"{source.name}", f"polycloud delete {source.name} -p {source_provider}"))
    return items
