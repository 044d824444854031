//! `elf2coff IN.o OUT.obj`: converts the kernel object and prints what it did
//! (sections, relocation counts per kind, GOT slots, exported symbols).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: elf2coff IN.o OUT.obj");
        return ExitCode::from(2);
    };
    let data = match std::fs::read(input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("elf2coff: {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match lkl_coff::convert(&data) {
        Ok(c) => {
            if let Err(e) = std::fs::write(output, &c.coff) {
                eprintln!("elf2coff: {output}: {e}");
                return ExitCode::FAILURE;
            }
            println!("{}", c.report);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("elf2coff: {input}: {e}");
            ExitCode::FAILURE
        }
    }
}
