"""An import-linter contract that the built-in ones cannot state: standard library only."""

import sys

from importlinter import Contract, ContractCheck, fields, output


class StdlibOnlyContract(Contract):
    """The modules of each package import only the standard library and that package.

    Configuration: ``packages``, the packages held to it (``["ledger.core"]``).
    """

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        illegal = []
        for package in self.packages:
            for module in sorted(graph.find_descendants(package) | {package}):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    inside = imported == package or imported.startswith(package + ".")
                    if not inside and imported.split(".")[0] not in sys.stdlib_module_names:
                        illegal.append((module, imported))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, imported in check.metadata["illegal"]:
            output.print_error(f"{module} imports {imported}, which is not the standard "
                               "library.")
            output.new_line()
