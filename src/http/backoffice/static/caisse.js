// The back-office's own script: a button marked data-print prints the page (a report on A4,
// a ticket on 80 mm paper; caisse.css lays them out). Everything else works without it.
document.addEventListener('click', (event) => {
  if (event.target.closest('[data-print]')) {
    window.print();
  }
});
