fn main() {
    std::process::exit(rbk::cli::run());
}
