//! `proactive-events completions SHELL`: a shell completion script on stdout.

use super::{Cli, exit, print};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  proactive-events completions bash > ~/.local/share/bash-completion/completions/proactive-events
  proactive-events completions zsh > \"${fpath[1]}/_proactive-events\"
  proactive-events completions fish > ~/.config/fish/completions/proactive-events.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: CompletionsArgs) -> ExitCode {
    let mut script = Vec::new();
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let script = String::from_utf8_lossy(&script);
    print(script.strip_suffix('\n').unwrap_or(&script));
    ExitCode::from(exit::OK)
}
