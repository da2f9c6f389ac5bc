"""The site files (mkdocs.yml, templates/, site/) stay at the top of the repository, where the
design card puts them, and travel inside the wheel as `scoring/_site/` (package data): a plain
install can publish without a source checkout. An editable install reads them from the checkout."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SITE_FILES = ("mkdocs.yml", "templates", "site")


class BuildWithSiteFiles(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "scoring" / "_site"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in SITE_FILES:
            src = Path(name)
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildWithSiteFiles})
