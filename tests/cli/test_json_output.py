"""docs/json-output.md against the real binary: every command with --json is
documented, and each documented command's output has exactly the fields the
document lists, with their types. The document cannot drift from the code."""

import json
import os
import re
import shutil

from ldbtest import POSTGRES, LdbTestCase, main, require_postgres, write_file, write_json

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "json-output.md")
PHOTOS = os.path.join(os.environ.get("LDB_TESTDATA_DIR", ""), "photos")


def parse_doc():
    """{heading command: {field: type}} and {heading command: [example texts]}."""
    fields, examples = {}, {}
    current, in_code, language, code = None, False, "", []
    with open(DOC) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("```"):
                if in_code and current and language == "json":
                    examples[current].append("\n".join(code))
                in_code, language, code = not in_code, line[3:].strip(), []
                continue
            if in_code:
                code.append(line)
                continue
            m = re.match(r"^### `(ldb [^`]+)`$", line)
            if m:
                current = m.group(1)
                fields[current], examples[current] = {}, []
                continue
            m = re.match(r"^\| `([^`]+)` \| ([^|]+) \|", line)
            if m and current:
                fields[current][m.group(1)] = m.group(2).strip()
    return fields, examples


def type_ok(doc_type, value):
    if doc_type == "any JSON":
        return True
    if doc_type == "string or null":
        return value is None or isinstance(value, str)
    if doc_type.startswith("array of "):
        return isinstance(value, list) and all(type_ok(doc_type[len("array of "):], v) for v in value)
    if doc_type.startswith("map of "):
        return isinstance(value, dict) and all(type_ok(doc_type[len("map of "):], v) for v in value.values())
    return {"string": lambda v: isinstance(v, str),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "boolean": lambda v: isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "object": lambda v: isinstance(v, dict)}[doc_type](value)


def observe(value, documented, prefix="", seen=None):
    """{field path: [values]} of a JSON value, in the document's notation;
    maps and 'any JSON' fields are not entered."""
    seen = {} if seen is None else seen
    if prefix:
        seen.setdefault(prefix, []).append(value)
    opaque = documented.get(prefix, "").startswith(("map of", "any JSON"))
    if isinstance(value, list) and not opaque:
        # Objects in arrays have their fields listed as a[].b; the type of
        # scalar elements is the array's ("array of string").
        for element in value:
            if isinstance(element, dict):
                for key, v in element.items():
                    observe(v, documented, f"{prefix}[].{key}", seen)
    elif isinstance(value, dict) and not opaque:
        for key, v in value.items():
            observe(v, documented, f"{prefix}.{key}" if prefix else key, seen)
    return seen


def documents(text):
    """One JSON document, or JSON Lines."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


class JsonOutputDocTest(LdbTestCase):
    def setUp(self):
        super().setUp()
        self.fields, self.examples = parse_doc()

    def scenario(self):
        """The document's example: ds:pets.v1 = cat, dog, giraffe; the
        workspace adds the horses, deletes the giraffe, moves the cat to a
        second annotation version and gives the dog the transform flip."""
        pets = os.path.join(self.data, "pets")
        os.makedirs(pets)
        for name, photo, cls in (("cat", "chelsea.png", "cat"), ("dog", "dog.jpg", "dog"),
                                 ("giraffe", "giraffe.jpg", "giraffe"), ("horses", "horses.jpg", "horse")):
            ext = os.path.splitext(photo)[1]
            shutil.copy(os.path.join(PHOTOS, photo), os.path.join(pets, name + ext))
            write_json(os.path.join(pets, name + ".json"), {"class": cls, "boxes": 1})
        self.use_init_instance()
        self.ok("index", pets)
        self.stage("ds:pets")
        self.ok("add", pets, "--query", "class != 'horse'")
        self.ok("commit", "-m", "cats, dogs and a giraffe")
        with open(os.path.join(self.instance, "config"), "a") as f:
            f.write('\n[transform.flip]\nrun = ["/usr/bin/true"]\n')
        write_json(os.path.join(pets, "cat.json"), {"class": "cat", "boxes": 2})
        self.ok("index", pets)
        self.ok("add", pets, "--query", "class != 'giraffe'")
        self.ok("del", "--query", "class == 'giraffe'")
        self.ok("tag", "--query", "class == 'dog'", "-a", "good")
        self.ok("transform", "-a", "flip", "--query", "class == 'dog'")
        return pets

    def outputs(self):
        """{heading: [parsed outputs]} of every documented command, run for real."""
        pets = self.scenario()
        dog = self.ok_json("list", "--json", "--query", "class == 'dog'")[0]["id"]
        out = {}

        def run(heading, *args, rc=0):
            r = self.ldb(*args)
            self.assertEqual(r.rc, rc, r.describe())
            out.setdefault(heading, []).extend(documents(r.out))

        run("ldb list --json", "list", "--json")
        run("ldb list -s --json", "list", "-s", "--json")
        run("ldb eval --with-ids", "eval", "--with-ids")
        run("ldb eval --with-ids", "eval", "-j", "--with-ids", "--query", "boxes")
        run("ldb eval --with-ids", "eval", "-i", "--query", "abs(class)", rc=2)
        run("ldb status --json", "status", "--json")
        run("ldb diff --json", "diff", "--json")
        run("ldb diff -s --json", "diff", "-s", "--json")
        run("ldb diff --stats --json", "diff", "--stats", "--by", "class", "--by", "boxes", "--json")
        run("ldb stats --json", "stats", "--json")
        run("ldb stats --json", "stats", "--by", "class", "--by", "boxes", "--top", "2", "--json")
        self.ok("commit", "-m", "more boxes; flipped dogs")
        run("ldb status ds:NAME --json", "status", "ds:pets", "--json")
        run("ldb ds list --json", "ds", "list", "--json")
        run("ldb log ds:NAME --json", "log", "ds:pets", "--json")
        run("ldb show id:HASH --json", "show", dog, "--json")
        run("ldb fsck --json", "fsck", "--json")
        run("ldb storage list --json", "storage", "list", "--json")
        run("ldb instance --json", "instance", "--json")
        # The config file names another instance, which LDB_DIR overrides.
        write_file(os.path.join(self.home, ".ldb", "config"), b'[core]\nldb_dir = "/elsewhere"\n')
        run("ldb instance --json", "instance", "--json")
        # What ldb sees in images: the dog again (the same pixels, other
        # bytes: a near duplicate at distance 0) and a JPEG that does not decode.
        extra = os.path.join(self.data, "extra")
        with open(os.path.join(pets, "dog.jpg"), "rb") as f:
            write_file(os.path.join(extra, "dog-again.jpg"), f.read() + b"\0")
        shutil.copy(os.path.join(PHOTOS, "truncated.jpg"), extra)
        self.ok("index", extra)
        run("ldb features --json", "features", "--json", "--force", "ds:root")
        run("ldb dups --json", "dups", "--json", "ds:root")
        run("ldb dups --json", "dups", "--json", os.path.join(pets, "dog.jpg"), "--against",
            os.path.join(extra, "dog-again.jpg"))
        run("ldb embed --json", "embed", "--json")
        run("ldb project --json", "project", "--json")
        run("ldb split --json", "split", "--json", "ds:root", "--into", "train=0.5,test=0.5", "ds:pets")
        # A damaged workspace, for fsck's problems.
        broken = os.path.join(self.tmp, "broken")
        self.ok("stage", "ds:pets", "-t", broken)
        staged = os.path.join(broken, ".ldb_workspace", "staged")
        with open(staged, "rb") as f:
            data = f.read()
        with open(staged, "wb") as f:
            f.write(data[:data.index(b"\n") + 1])
        run("ldb fsck --json", "fsck", "--json", "-t", broken, rc=6)
        self.assertTrue(os.path.isdir(pets))
        # Last: moving the SQLite instance to the PostgreSQL test cluster.
        if not POSTGRES:
            require_postgres(self)
            run("ldb instance migrate --json", "instance", "migrate", "--to", self.new_store_url(), "--json")
        return out

    def test_every_command_with_json_is_documented(self):
        commands = [line.split()[0] for line in self.ok("--help").splitlines() if line.startswith("  ")]
        self.assertIn("list", commands)
        documented = {heading.split()[1] for heading in self.fields}
        for command in commands:
            if "--json" in self.ok(command, "--help"):
                self.assertIn(command, documented, f"ldb {command} --json is not in docs/json-output.md")
        self.assertIn("ldb eval --with-ids", self.fields)

    def test_documented_fields_are_the_real_ones(self):
        outputs = self.outputs()
        self.assertEqual(sorted(outputs), sorted(self.fields), "a documented command is not run here, or the reverse")
        for heading, values in outputs.items():
            documented = self.fields[heading]
            seen = {}
            for value in values:
                observe(value, documented, seen=seen)
            self.assertEqual(sorted(seen), sorted(documented), f"{heading}: real fields vs documented")
            for field, found in seen.items():
                for v in found:
                    self.assertTrue(type_ok(documented[field], v), f"{heading}: {field} = {v!r} is not {documented[field]}")

    def test_examples_show_documented_fields(self):
        for heading, texts in self.examples.items():
            self.assertTrue(texts, f"{heading} has no example")
            for text in texts:
                for value in documents(text):
                    for field, found in observe(value, self.fields[heading]).items():
                        self.assertIn(field, self.fields[heading], f"{heading}: example field {field}")
                        for v in found:
                            self.assertTrue(type_ok(self.fields[heading][field], v), f"{heading}: example {field}")


if __name__ == "__main__":
    main()
