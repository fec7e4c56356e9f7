"""The English catalog mirrors the source strings (they are English): fill every empty msgstr with its msgid."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).resolve().parent.parent / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
with path.open("rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple):
        if not all(message.string):
            message.string = message.id
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with path.open("wb") as handle:
    write_po(handle, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False)
