//! Reading the documents tiendo generates with real programs: pdftotext, and LibreOffice to
//! turn a DOCX into a PDF. Under CI the programs must be installed.

/// Whether an external program the tests read documents with is here; under CI it must be.
pub fn have(program: &str) -> bool {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is needed under CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED the part that needs {program}: it is not installed");
    }
    found
}

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tiendo-doc-{}-{name}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The text of a PDF as pdftotext reads it, with runs of white space made single spaces.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = temp_dir("pdf");
    let path = dir.join("in.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "pdftotext: {out:?}");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A DOCX converted to PDF by LibreOffice, in its own profile so that runs do not collide.
pub fn docx_to_pdf(docx: &[u8]) -> Vec<u8> {
    let dir = temp_dir("docx");
    let path = dir.join("report.docx");
    std::fs::write(&path, docx).unwrap();
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&path)
        .output()
        .expect("run soffice");
    assert!(status.status.success(), "soffice: {status:?}");
    let pdf = std::fs::read(dir.join("report.pdf")).expect("LibreOffice wrote the PDF");
    let _ = std::fs::remove_dir_all(&dir);
    pdf
}
