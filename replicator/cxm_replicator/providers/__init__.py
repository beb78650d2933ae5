"""OFD providers, each a self-contained folder: transport (the OFD's HTTP API), mapping (its
dialect → FNS receipt JSON), emulator (its documented behaviour, for tests) and tests."""

from importlib import import_module
from types import ModuleType

from cxm_replicator.providers.base import Provider, ProviderContext, Setting

# name → (module, what the admin sees in `init`)
PROVIDERS = {
    "platforma": "Платформа ОФД (platformaofd.ru)",
    "kontur": "Контур.ОФД (ofd.kontur.ru)",
    "ofdru": "OFD.ru",
    "files": "Exported JSON/CSV files in a folder (OFD without a usable API)",
}


def provider_module(name: str) -> ModuleType:
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}: choose one of {', '.join(PROVIDERS)}")
    return import_module(f"cxm_replicator.providers.{name}")


def settings_of(name: str) -> tuple[Setting, ...]:
    return provider_module(name).SETTINGS


def create_provider(name: str, context: ProviderContext) -> Provider:
    return provider_module(name).create(context)
