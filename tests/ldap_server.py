"""A real OpenLDAP `slapd` for the directory sign-in tests, with people and groups in it."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ldap3 import Connection, Server

from tests.live_server import free_port

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SCHEMAS = Path("/etc/ldap/schema")
BASE = "dc=example,dc=org"
ADMIN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "directory-admin-secret"

CONFIG = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {folder}/db
"""


@dataclass(frozen=True)
class Directory:
    url: str

    def connect(self) -> Connection:
        return Connection(Server(self.url), ADMIN, ADMIN_PASSWORD, auto_bind=True)

    def add_person(self, uid: str, name: str, mail: str, password: str, groups=()) -> str:
        dn = f"uid={uid},ou=people,{BASE}"
        with self.connect() as c:
            c.add(dn, ["inetOrgPerson"], {"cn": name, "sn": name.split()[-1], "mail": mail,
                                          "userPassword": password})  # fmt: skip
            assert c.result["result"] == 0, c.result
            for group in groups:
                c.modify(f"cn={group},ou=groups,{BASE}", {"member": [("MODIFY_ADD", [dn])]})
                assert c.result["result"] == 0, c.result
        return dn

    def add_group(self, name: str) -> str:
        dn = f"cn={name},ou=groups,{BASE}"
        with self.connect() as c:
            # groupOfNames needs a member: the group's own DN stands in until people join.
            c.add(dn, ["groupOfNames"], {"cn": name, "member": [dn]})
            assert c.result["result"] == 0, c.result
        return dn


def available() -> bool:
    return Path(SLAPD).exists() and (SCHEMAS / "inetorgperson.schema").exists()


@contextmanager
def running_directory(folder: Path) -> Iterator[Directory]:
    """slapd on a free port of 127.0.0.1 with the base, `ou=people` and `ou=groups`."""
    (folder / "db").mkdir(parents=True)
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(schemas=SCHEMAS, folder=folder, base=BASE, admin=ADMIN,
                                    password=ADMIN_PASSWORD))  # fmt: skip
    url = f"ldap://127.0.0.1:{free_port()}"
    process = subprocess.Popen([SLAPD, "-f", str(config), "-h", url + "/", "-d", "0"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        directory = Directory(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = directory.connect()
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"slapd did not start: {process.stderr.read()!r}") from None
                time.sleep(0.05)
        with connection as c:
            c.add(BASE, ["dcObject", "organization"], {"dc": "example", "o": "Example"})
            for unit in ("people", "groups"):
                c.add(f"ou={unit},{BASE}", ["organizationalUnit"], {"ou": unit})
        yield directory
    finally:
        process.terminate()
        process.wait(timeout=10)
