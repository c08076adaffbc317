"""The bundled synthetic catalogue: a seeded generator of IMS listings, their evolution, and servers."""

from imgkit.demo._generate import (
    BLOCK,
    DEMO_PARAMS,
    data_file,
    demo_snapshots,
    evolve_listing,
    generate_listing,
    load_demo,
    load_demo_tenants,
    tenant_profiles,
    write_listing,
)
from imgkit.demo._servers import generate_servers, load_demo_servers

__all__ = [
    "BLOCK",
    "DEMO_PARAMS",
    "data_file",
    "demo_snapshots",
    "evolve_listing",
    "generate_listing",
    "generate_servers",
    "load_demo",
    "load_demo_servers",
    "load_demo_tenants",
    "tenant_profiles",
    "write_listing",
]
