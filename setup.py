"""Build hook only (metadata is in pyproject.toml): ship rules/*.yml in the wheel as bot/rules/.

The rules stay at the repository's top level for editing and review; a build copies them
into the package so `pip install panicscan` works with no checkout around
(`bot.rulefiles` looks in bot/rules/ first).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithRules(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's rules/ directly
        target = Path(self.build_lib) / "bot" / "rules"
        self.mkpath(str(target))
        for source in sorted(Path(__file__).resolve().parent.joinpath("rules").glob("*.yml")):
            self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildPyWithRules})
