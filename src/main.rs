//! The `passerelle` command: see `passerelle --help`.

fn main() -> std::process::ExitCode {
    passerelle::cli::run()
}
