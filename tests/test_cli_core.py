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
