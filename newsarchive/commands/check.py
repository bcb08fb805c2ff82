"""``scrapy check``, as Scrapy's own, offline: with no ``-a target=``, the spider is given the bundled
sample site, which `newsarchive.contracts` serves on 127.0.0.1, and loopback addresses are allowed
for that run (the contracts request nothing else)."""

from __future__ import annotations

from scrapy.commands.check import Command as ScrapyCheck
from scrapy.settings import SETTINGS_PRIORITIES


class Command(ScrapyCheck):
    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        if not opts.spargs.get("target") and not opts.spargs.get("start_urls"):
            from newsarchive.contracts import sample_site_url

            opts.spargs["target"] = sample_site_url() + "/"
            self.settings.set("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", True, priority=SETTINGS_PRIORITIES["cmdline"])
            self.settings.set("ARCHIVE_DIR", "", priority=SETTINGS_PRIORITIES["cmdline"])
            # the local site needs no politeness delay
            for name, value in (("DOWNLOAD_DELAY", 0), ("AUTOTHROTTLE_ENABLED", False)):
                self.settings.set(name, value, priority=SETTINGS_PRIORITIES["cmdline"])
