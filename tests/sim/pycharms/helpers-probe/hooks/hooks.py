#!/usr/bin/env python3
"""helpers-probe: every hook is this file under its hook's name (hooks/install -> hooks.py)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ["CHARM_DIR"], "venv"))

from charmhelpers.core import hookenv  # noqa: E402

hooks = hookenv.Hooks()


@hooks.hook("install")
def install():
    hookenv.log("installing", hookenv.INFO)
    hookenv.status_set("maintenance", "installed")
    hookenv.application_version_set("0.1")


@hooks.hook("config-changed", "start", "leader-elected", "update-status")
def configured():
    cfg = hookenv.config()
    hookenv.status_set("active", "greeting {} (leader: {})".format(cfg["greeting"], hookenv.is_leader()))


@hooks.hook("upstream-relation-joined", "upstream-relation-changed")
def upstream_changed():
    address = hookenv.network_get_primary_address("upstream")
    hookenv.relation_set(relation_settings={"address": address, "private": hookenv.unit_private_ip(), "greeting": hookenv.config("greeting")})
    for rid in hookenv.relation_ids("upstream"):
        for unit in hookenv.related_units(rid):
            hookenv.relation_get(unit=unit, rid=rid)
        app_data = hookenv.relation_get(rid=rid, app=hookenv.remote_service_name(rid)) or {}
        secret_id = app_data.get("secret-id")
        if secret_id:
            # charm-helpers has no secret helpers: the hook tool itself, as such charms do.
            token = subprocess.check_output(["secret-get", secret_id, "token"]).decode().strip()
            hookenv.relation_set(relation_id=rid, relation_settings={"seen-token": token})


@hooks.hook("secret-changed")
def secret_changed():
    token = subprocess.check_output(["secret-get", os.environ["JUJU_SECRET_ID"], "token", "--refresh"]).decode().strip()
    for rid in hookenv.relation_ids("upstream"):
        hookenv.relation_set(relation_id=rid, relation_settings={"seen-token": token})


if __name__ == "__main__":
    hooks.execute(sys.argv)
