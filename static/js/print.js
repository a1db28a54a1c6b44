// The report page's Print button: shown only where JavaScript can open the print dialog.
document.querySelectorAll(".print-button").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
