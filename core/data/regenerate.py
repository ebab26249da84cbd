#!/usr/bin/env python3
"""Regenerates icd10cm-f.tsv from the CDC/NCHS ICD-10-CM tabular list (XML).

Usage: python3 regenerate.py icd10cm-tabular-<release>.xml > icd10cm-f.tsv

Takes chapter 5 (F01-F99) and writes every billable code, that is every <diag> with no
<diag> beneath it, as "code<TAB>description", sorted by code.
"""
import sys
import xml.etree.ElementTree as ET


def leaves(diag):
    children = diag.findall("diag")
    if not children:
        yield diag.findtext("name").strip(), " ".join(diag.findtext("desc").split())
    for child in children:
        yield from leaves(child)


def main(path):
    root = ET.parse(path).getroot()
    chapter = next(c for c in root.iter("chapter") if c.findtext("name").strip() == "5")
    rows = sorted(
        row
        for section in chapter.findall("section")
        for diag in section.findall("diag")
        for row in leaves(diag)
    )
    for code, description in rows:
        if not code.startswith("F") or "\t" in description:
            sys.exit(f"unexpected entry: {code} {description!r}")
        sys.stdout.write(f"{code}\t{description}\n")


if __name__ == "__main__":
    main(sys.argv[1])
