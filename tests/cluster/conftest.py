"""The cluster for tests/cluster: started once for the module, from deploy/.

It needs nginx (/usr/sbin/nginx), PostgreSQL (TEST_DATABASE_URL: the cluster gets a
database of its own beside it, <name>_cluster) and Redis (CLUSTER_REDIS_URL, default
database 14 of 127.0.0.1, emptied at start). Without them the tests are skipped; under
CI=true, where .ci/run installs them, a missing nginx or Redis fails them instead.
"""

import os

import pytest
import redis
import sqlalchemy as sa

from app.config import database_uri
from tests.cluster.harness import DEFAULT_REDIS_URL, NGINX, Cluster, database_from_test_url

REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS_URL)


def _missing(message):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    test_database_url = os.environ.get("TEST_DATABASE_URL")
    if not test_database_url:
        pytest.skip("The cluster runs on PostgreSQL: set TEST_DATABASE_URL")
    if not NGINX.exists():
        _missing(f"The cluster tests need nginx at {NGINX}: apt-get install nginx")
    if not _redis_answers():
        _missing(f"The cluster tests need Redis at {REDIS_URL}: apt-get install redis-server")
    folder = tmp_path_factory.mktemp("cluster")
    with Cluster(folder, database_from_test_url(test_database_url), REDIS_URL) as running:
        yield running


@pytest.fixture
def both_servers(cluster):
    """The cluster with both app servers running, whatever an earlier test left."""
    for server in cluster.servers:
        if not server.running:
            cluster.restart(server)
    return cluster


@pytest.fixture(scope="module")
def database(cluster):
    """The cluster's database, read as its owner: every school's rows, to count them."""
    engine = sa.create_engine(database_uri(cluster.database_url))
    yield engine
    engine.dispose()
