use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    caisse::cli::run(caisse::cli::Cli::from_process()).await
}
