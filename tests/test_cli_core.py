"""The CLI core: discovery of subcommands, exit codes, one-sentence errors, cut-short output."""
import subprocess
import sys

from rmtsym.cli import build_parser, main

EXPECTED = {"moments", "spectrum", "pdf", "cdf", "moment-polys", "sample", "validate", "report"}


def test_subcommands_are_discovered():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert EXPECTED <= set(sub.choices)


def test_help_exits_zero(capsys):
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out
    assert main(["moments", "--help"]) == 0


def test_unknown_command_is_one_sentence_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rmtsym: error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_option_value_is_one_sentence_exit_2(capsys):
    assert main(["spectrum", "tanh", "--phi", "abc", "--psi", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_output_cut_short_by_a_pipe_is_not_an_error():
    # `rmtsym ... | head -1`: the reader closes the pipe early; no traceback may appear
    cmd = [sys.executable, "-m", "rmtsym", "moment-polys", "--order", "16"]  # > 64 KiB: overflows the pipe buffer
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_moved_modules_keep_their_old_names():
    # the deep-network modules moved to rmtsym.networks; the old public paths are aliases
    import rmtsym.applications.jacobian as old_j
    import rmtsym.applications.nngp as old_n
    import rmtsym.applications.signal_propagation as old_s
    from rmtsym.networks import jacobian, nngp, signal_propagation
    assert old_j is jacobian and old_n is nngp and old_s is signal_propagation
    assert old_j.JacobianDensity is jacobian.JacobianDensity


def test_help_lists_commands_by_section_in_pipeline_order(capsys):
    from rmtsym.cli import SECTIONS

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    headers = [ln[:-1] for ln in lines if ln.endswith(":") and not ln.startswith(" ") and ln[:-1] in SECTIONS]
    # the sections present appear in the order of SECTIONS
    assert headers == [s for s in SECTIONS if s in headers]
    assert headers[0] == "single layer" and "export" in headers
    section, where = None, {}
    for ln in lines:
        if ln.endswith(":") and ln[:-1] in SECTIONS:
            section = ln[:-1]
        elif ln.startswith("  ") and not ln.startswith("   ") and section and not ln.strip().startswith("-"):
            where.setdefault(ln.split()[0], []).append(section)
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sorted(where) == sorted(sub.choices)          # every command once, no stray lines
    assert all(len(v) == 1 for v in where.values())
    single = [ln.split()[0] for ln in out.split("single layer:\n")[1].split("\n\n")[0].splitlines()
              if ln.startswith("  ") and not ln.startswith("   ")]
    # the single-layer pipeline: activation → moments → law → simulation → applications
    assert single[:5] == ["moments", "moment-polys", "spectrum", "pdf", "cdf"]
    assert single.index("sample") < single.index("memorization") < single.index("design")
    assert where["report"] == ["export"]
    # one-line help beside each command
    assert "support, atoms, moments and equation" in out


def test_command_modules_declare_a_known_section():
    from rmtsym.cli import DEFAULT_SECTION, SECTIONS, _section_of, command_modules

    for module in command_modules():
        assert _section_of(module) in SECTIONS
        assert isinstance(getattr(module, "ORDER", 0), int)

    class Bare:  # a command module without SECTION is listed under "tools"
        __name__ = "rmtsym.cli.bare"

    assert _section_of(Bare) == DEFAULT_SECTION == "tools"


def test_help_imports_no_sympy_or_numpy():
    # ``rmtsym --help`` imports every command module: SymPy and numpy belong in the handlers
    import subprocess
    import sys

    code = ("import sys, io, contextlib\nfrom rmtsym.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
            "print(sorted(m for m in ('sympy', 'numpy', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_short_numbers_beyond_the_range_of_a_double():
    # exact moments of deep networks can exceed 1e308: shown shortened, not as inf or 0
    from rmtsym.cli._format import short
    assert short("1.2345678901234567890e400", 12) == "1.23456789012e+400"
    assert short("-9.87654321098765432e-400", 5) == "-9.8765e-400"
    assert short("9.00000000000001", 12) == "9"
    assert short("0.000", 12) == "0.000" and short("inf") == "inf" and short("nan") == "nan"
