"""Scrapy commands of the project (``COMMANDS_MODULE``): ``crawl`` as Scrapy's, made to fail visibly."""
