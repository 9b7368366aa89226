"""Lambda: attributes in DynamoDB through ask-sdk's own ``DynamoDbAdapter``.

Region, credentials and endpoint come from the usual AWS settings
(``AWS_DEFAULT_REGION`` or ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``...,
``AWS_ENDPOINT_URL_DYNAMODB`` or ``AWS_ENDPOINT_URL``). An endpoint on this
machine (DynamoDB Local, dynalite) needs neither: the region defaults to
``us-east-1`` and the credentials to dummies. DynamoDB keeps numbers as
``Decimal`` and refuses floats, so floats are written as ``Decimal`` and every
``Decimal`` read back becomes the ``int`` or ``float`` it was (an integral float
such as ``2.0`` reads back as ``2``: equal, but an ``int``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlparse

import boto3
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope
from botocore.config import Config

from skill.stores.common import Appends, merge, removals, user_id

T = TypeVar("T")
LOCAL_REGION = "us-east-1"
WAIT = {"Delay": 0.2, "MaxAttempts": 300}  # table_exists waiter: up to a minute


def to_dynamo(value: Any) -> Any:
    """``value`` with every float as the ``Decimal`` of its shortest repr (exact round trip)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(item) for item in value]
    return value


def from_dynamo(value: Any) -> Any:
    """``value`` with every ``Decimal`` back to ``int`` (integral) or ``float``."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_dynamo(item) for item in value]
    return value


def endpoint_url() -> str | None:
    """The DynamoDB endpoint the AWS settings name, if any."""
    return (os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
            or None)


def is_local(url: str) -> bool:
    """Whether ``url`` points at this machine."""
    host = urlparse(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def make_resource() -> Any:
    """A boto3 DynamoDB resource from the AWS settings, with short timeouts."""
    endpoint = endpoint_url()
    local = endpoint is not None and is_local(endpoint)
    region = (boto3.session.Session().region_name or os.environ.get("AWS_REGION")
              or (LOCAL_REGION if local else None))
    if region is None:
        raise ValueError("dynamodb:// needs a region: set AWS_DEFAULT_REGION")
    credentials = {}
    if local and not (os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")):
        credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    session = boto3.session.Session(region_name=region, **credentials)
    retries = {} if os.environ.get("AWS_RETRY_MODE") else {"mode": "standard"}
    config = Config(connect_timeout=2, read_timeout=5, retries=retries)
    return session.resource("dynamodb", endpoint_url=endpoint, config=config)


def adapter_class(region: str) -> type:
    """ask-sdk's ``DynamoDbAdapter``.

    Its module builds a default boto3 resource when imported, which raises
    ``NoRegionError`` unless a region is configured: give boto3's default session
    ``region`` first if nothing else did.
    """
    if "ask_sdk_dynamodb.adapter" not in sys.modules and boto3.DEFAULT_SESSION is None \
            and boto3.session.Session().region_name is None:
        boto3.setup_default_session(region_name=region)
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter

    return DynamoDbAdapter


class DynamoStore(AbstractPersistenceAdapter):
    """One item per user (key ``id``, map ``attributes``) through ``DynamoDbAdapter``.

    With ``create`` the table is created on first use if missing (the SDK's
    defaults: partition key ``id``, 5 read and 5 write units) and waited for.
    Nothing is contacted before the first call, so an outage at start-up is
    retried on every call instead of stopping the app.
    """

    def __init__(self, table: str, create: bool = False, resource: Any = None) -> None:
        """``resource``: a boto3 DynamoDB resource to use in every thread (tests); by default
        each thread makes its own from the AWS settings, as boto3 asks."""
        self.table, self.create = table, create
        self._shared = resource
        self.resource = resource if resource is not None else make_resource()
        self._resources = [self.resource]
        self._adapter_class = adapter_class(self.resource.meta.client.meta.region_name)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._table_ready = False

    def _ready(self) -> Any:
        """This thread's adapter, with the table created and active if ``create`` was asked."""
        adapter = getattr(self._local, "adapter", None)
        if adapter is not None:
            return adapter
        with self._lock:
            if not self._table_ready:
                self._adapter_class(table_name=self.table, create_table=self.create,
                                    partition_keygen=user_id, dynamodb_resource=self.resource)
                if self.create:
                    waiter = self.resource.meta.client.get_waiter("table_exists")
                    waiter.wait(TableName=self.table, WaiterConfig=WAIT)
                self._table_ready = True
                resource = self.resource  # the first thread keeps the one made already
            else:
                resource = self._shared if self._shared is not None else make_resource()
                self._resources.append(resource)
        adapter = self._local.adapter = self._adapter_class(
            table_name=self.table, partition_keygen=user_id, dynamodb_resource=resource)
        return adapter

    def _call(self, what: str, work: Callable[[Any], T]) -> T:
        try:
            return work(self._ready())
        except PersistenceException:
            raise
        except Exception as error:  # noqa: BLE001 - botocore raises many kinds
            raise PersistenceException(f"dynamodb {what} failed: {error}") from error

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        """The user's saved attributes (Decimals turned back), or an empty dict."""
        found = self._call("read", lambda adapter: adapter.get_attributes(
            request_envelope=request_envelope))
        return from_dynamo(found) or {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        """Replace the user's saved attributes (one ``put_item``: the last write wins)."""
        item = to_dynamo(attributes)
        self._call("write", lambda adapter: adapter.save_attributes(
            request_envelope=request_envelope, attributes=item))

    def update_attributes(self, request_envelope: RequestEnvelope, changes: dict[str, Any],
                          removed: Iterable[str] = (), appends: Appends | None = None) -> None:
        """Set the keys in ``changes``, drop those in ``removed``, add to the lists in
        ``appends`` (``list_append``), keep the rest: one ``update_item`` on the adapter's
        item (or a ``put_item`` for a user with none). A list grown past what it keeps is
        trimmed by a second update that only applies while no other append came in."""
        removed = removals(changes, removed)
        appends = appends or {}
        if not changes and not removed and not appends:
            return

        def write(adapter: Any) -> None:
            table = adapter.dynamodb.Table(self.table)
            key = {adapter.partition_key_name: user_id(request_envelope)}
            names = {"#a": adapter.attribute_name}
            values, sets = {}, []
            for number, (name, value) in enumerate(changes.items()):
                names[f"#s{number}"] = name
                values[f":s{number}"] = to_dynamo(value)
                sets.append(f"#a.#s{number} = :s{number}")
            for number, (name, (items, _)) in enumerate(appends.items()):
                names[f"#p{number}"] = name
                values[f":p{number}"], values[":empty"] = to_dynamo(items), []
                sets.append(f"#a.#p{number} = list_append(if_not_exists(#a.#p{number}, "
                            f":empty), :p{number})")
            for number, name in enumerate(removed):
                names[f"#r{number}"] = name
            expression = " ".join(filter(None, [
                "SET " + ", ".join(sets) if sets else "",
                "REMOVE " + ", ".join(f"#a.#r{n}" for n in range(len(removed))) if removed
                else ""]))
            failed = table.meta.client.exceptions.ConditionalCheckFailedException

            def update() -> None:
                answer = table.update_item(
                    Key=key, UpdateExpression=expression,
                    ConditionExpression="attribute_exists(#a)", ExpressionAttributeNames=names,
                    ReturnValues="UPDATED_NEW" if appends else "NONE",
                    **({"ExpressionAttributeValues": values} if values else {}))
                grown = answer.get("Attributes", {}).get(adapter.attribute_name, {})
                for name, (_, keep) in appends.items():
                    trim(name, len(grown.get(name) or ()) - keep)

            def trim(name: str, extra: int) -> None:
                """Drop the ``extra`` oldest items, unless another append came in since
                (the session that made it trims the list instead)."""
                if extra <= 0:
                    return
                with contextlib.suppress(failed):
                    table.update_item(
                        Key=key, UpdateExpression="REMOVE " + ", ".join(
                            f"#a.#l[{index}]" for index in range(extra)),
                        ConditionExpression="size(#a.#l) = :size",
                        ExpressionAttributeNames={"#a": adapter.attribute_name, "#l": name},
                        ExpressionAttributeValues={":size": extra + appends[name][1]})

            def make_lists() -> None:
                """Empty lists for appended keys that hold something else (list_append
                refuses them), unless another session changed them meanwhile."""
                for name in appends:
                    with contextlib.suppress(failed):
                        table.update_item(
                            Key=key, UpdateExpression="SET #a.#l = :empty",
                            ConditionExpression="attribute_exists(#a.#l) AND NOT "
                                                "attribute_type(#a.#l, :list)",
                            ExpressionAttributeNames={"#a": adapter.attribute_name, "#l": name},
                            ExpressionAttributeValues={":empty": [], ":list": "L"})

            try:
                try:
                    update()
                except table.meta.client.exceptions.ClientError as error:
                    if not appends or error.response["Error"]["Code"] != "ValidationException":
                        raise
                    make_lists()
                    update()
            except failed:
                if not changes and not appends:
                    return
                record = to_dynamo(merge(dict(changes), (), (), appends))
                try:  # no record yet: these keys are the whole of it
                    table.put_item(Item={**key, adapter.attribute_name: record},
                                   ConditionExpression="attribute_not_exists(#k)",
                                   ExpressionAttributeNames={"#k": adapter.partition_key_name})
                except failed:  # another session made the record meanwhile
                    update()

        self._call("write", write)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user."""
        self._call("delete", lambda adapter: adapter.delete_attributes(
            request_envelope=request_envelope))

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the table exists and is active."""
        def describe(adapter: Any) -> None:
            table = self.resource.meta.client.describe_table(TableName=self.table)["Table"]
            if table["TableStatus"] != "ACTIVE":
                raise PersistenceException(f"dynamodb table {self.table} is "
                                           f"{table['TableStatus']}")
        self._call("ping", describe)

    def close(self) -> None:
        """Close the HTTP connections of every thread's client."""
        with self._lock:
            resources, self._resources = self._resources, []
        for resource in {id(r): r for r in resources}.values():
            resource.meta.client.close()
