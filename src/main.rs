//! The `passerelle` command: see `passerelle --help`.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    passerelle::cli::run()
}
