#!/usr/bin/env python3
"""ops-probe: provider side shares an app secret over `db`; the requirer reads it; actions are typed."""
import json

import ops
from probe_lib import greeting_for

SECRET_LABEL = "shared-token"


class OpsProbeCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.db_relation_joined, self._on_db_joined)
        framework.observe(self.on.upstream_relation_changed, self._on_upstream_changed)
        framework.observe(self.on.cluster_relation_changed, self._on_cluster_changed)
        framework.observe(self.on.secret_changed, self._on_secret_changed)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on.share_action, self._on_share)
        framework.observe(self.on.rotate_secret_action, self._on_rotate_secret)
        framework.observe(self.on.collect_unit_status, self._on_collect_status)

    def _on_install(self, _event: ops.InstallEvent):
        self.unit.status = ops.MaintenanceStatus("installing")
        self.unit.set_workload_version("1.0")

    def _on_config_changed(self, _event: ops.ConfigChangedEvent):
        greeting = str(self.config["greeting"])
        for relation in self.model.relations["cluster"]:
            relation.data[self.unit]["greeting"] = greeting_for(self.unit.name, greeting)

    def _shared_secret(self) -> ops.Secret:
        # The leader keeps the secret's id in the peer application bag: no lookup that can fail.
        peers = self.model.get_relation("cluster")
        secret_id = peers.data[self.app].get("secret-id") if peers else None
        if secret_id:
            return self.model.get_secret(id=secret_id)
        secret = self.app.add_secret({"token": "first-token"}, label=SECRET_LABEL, rotate=ops.SecretRotate.MONTHLY)
        if peers:
            peers.data[self.app]["secret-id"] = secret.id or ""
        return secret

    def _on_db_joined(self, event: ops.RelationJoinedEvent):
        event.relation.data[self.unit]["address"] = str(self.model.get_binding(event.relation).network.bind_address)
        if not self.unit.is_leader():
            return
        secret = self._shared_secret()
        secret.grant(event.relation)
        event.relation.data[self.app]["secret-id"] = secret.id or ""

    def _on_upstream_changed(self, event: ops.RelationChangedEvent):
        secret_id = event.relation.data[event.app].get("secret-id") if event.app else None
        if not secret_id:
            return
        content = self.model.get_secret(id=secret_id, label="upstream-token").get_content(refresh=True)
        event.relation.data[self.unit]["seen-token"] = content["token"]
        units = sorted(u.name for u in event.relation.units)
        event.relation.data[self.unit]["remote-units"] = ",".join(units)

    def _on_cluster_changed(self, event: ops.RelationChangedEvent):
        if event.unit:
            _ = event.relation.data[event.unit].get("greeting")

    def _on_secret_changed(self, event: ops.SecretChangedEvent):
        content = event.secret.get_content(refresh=True)
        for relation in self.model.relations["upstream"]:
            relation.data[self.unit]["seen-token"] = content["token"]

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        event.secret.remove_revision(event.revision)

    def _on_share(self, event: ops.ActionEvent):
        params = event.params
        event.log(f"sharing with count {params['count']}")
        results = {
            "count": params["count"] * 2,
            "param-types": json.dumps({k: type(v).__name__ for k, v in sorted(params.items())}),
            "address": str(self.model.get_binding("db").network.bind_address),
            "leader": str(self.unit.is_leader()),
        }
        if self.unit.is_leader():
            info = self._shared_secret().get_info()
            results["secret-label"] = info.label or ""
            results["secret-revision"] = info.revision
        event.set_results(results)

    def _on_rotate_secret(self, event: ops.ActionEvent):
        if not self.unit.is_leader():
            event.fail("run this on the leader")
            return
        self._shared_secret().set_content({"token": event.params["value"]})

    def _on_collect_status(self, event: ops.CollectStatusEvent):
        event.add_status(ops.ActiveStatus(f"greeting {self.config['greeting']}, count {self.config['count']}"))


if __name__ == "__main__":
    ops.main(OpsProbeCharm)
