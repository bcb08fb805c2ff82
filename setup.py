# Only for building Scrapy eggs (`scrapyd-deploy`, which runs `python setup.py bdist_egg`): every
# setting lives in pyproject.toml (packages newsarchive, spiders, pipelines; package data; the
# `scrapy` entry point naming newsarchive.settings, which Scrapyd reads from the egg).
from setuptools import setup

setup()
