import type { LabelFormat, PurchasedLabel } from '../../domain/carrier';

/**
 * The simulated carriers' printable labels: a one-page 4×6 in PDF and a ZPL II program with the
 * tracking number as a Code 128 barcode, so a warehouse's printing path can be tried end to end
 * without a real carrier. Marked as simulated on the label itself.
 */

function lines(label: PurchasedLabel, shipmentId: string): string[] {
  return [
    `${label.carrierCode.toUpperCase()} - ${label.serviceCode}`,
    `TRACKING ${label.trackingNumber}`,
    `SHIPMENT ${shipmentId}`,
    'SIMULATED LABEL - NOT FOR SHIPPING',
  ];
}

/** PDF text strings escape backslashes and parentheses; everything else here is plain ASCII. */
const pdfText = (text: string) => text.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');

export function simulatedPdf(label: PurchasedLabel, shipmentId: string): Buffer {
  const text = lines(label, shipmentId)
    .map((line, i) => `BT /F1 ${i === 1 ? 16 : 12} Tf 24 ${380 - i * 40} Td (${pdfText(line)}) Tj ET`)
    .join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    // 4 × 6 inches at 72 points per inch.
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** ZPL field data must not contain the command prefixes ^ and ~. */
const zplText = (text: string) => text.replace(/[\^~]/g, ' ');

export function simulatedZpl(label: PurchasedLabel, shipmentId: string): Buffer {
  const [title, , shipment, warning] = lines(label, shipmentId).map(zplText);
  const program = [
    '^XA',
    '^CI28',
    `^FO40,40^A0N,40,40^FD${title}^FS`,
    `^FO40,120^BY3^BCN,160,Y,N,N^FD${zplText(label.trackingNumber)}^FS`,
    `^FO40,360^A0N,30,30^FD${shipment}^FS`,
    `^FO40,420^A0N,30,30^FD${warning}^FS`,
    '^XZ',
  ].join('\n');
  return Buffer.from(`${program}\n`, 'utf8');
}

export function simulatedLabelDocument(label: PurchasedLabel, shipmentId: string, format: LabelFormat): Buffer {
  return format === 'pdf' ? simulatedPdf(label, shipmentId) : simulatedZpl(label, shipmentId);
}
