//! The `proactive-events` command: `proactive-events --help` lists the commands.
//! Everything lives in the library's `cli` module (feature `cli`).

fn main() -> std::process::ExitCode {
    alexa_proactive_events::cli::main()
}
