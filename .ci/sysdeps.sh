#!/usr/bin/env bash
# The Debian packages healthrag uses beside Python: Chromium (the verification page's browser
# test, through Playwright), tesseract with English and French data (OCR of scanned reports
# and photos), poppler-utils (pdftotext, the second PDF reader the document benchmark uses).
# `make run` and `make test` call this first. It installs what is missing with apt-get when
# it can (root, or passwordless sudo); otherwise it prints the one command to run, and goes
# on: the service still runs without them (no OCR), and their tests skip outside CI.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
if ! command -v tesseract >/dev/null 2>&1; then
  need+=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra)
else
  langs=$(tesseract --list-langs 2>/dev/null)
  grep -qx eng <<<"$langs" || need+=(tesseract-ocr-eng)
  grep -qx fra <<<"$langs" || need+=(tesseract-ocr-fra)
fi
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0

cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${need[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}"
  bash -c "$cmd" >/dev/null && exit 0
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "installing system packages with sudo: ${need[*]}"
  sudo -n bash -c "$cmd" >/dev/null && exit 0
fi
echo "healthrag: missing system packages: ${need[*]}" >&2
echo "  install them with: sudo bash -c '$cmd'" >&2
exit 0
