// mail.test.mjs - a composed message's HTML part in headless Chromium
// (Debian's, driven by playwright-core): its Markdown table reads as a
// table on a desktop and as one column on a phone, nothing is wider than
// the screen, and no request leaves the file.  Prints TAP.
//
// usage: node mail.test.mjs MESSAGE.html SHOTS_DIR NAME
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [file, shots, name] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });

let n = 0;
const ok = (cond, what) => {
	n++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
};

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const page = await browser.newPage();
	const external = [];
	page.on('request', r => { if (!r.url().startsWith('file:')) external.push(r.url()); });
	// The cells of the table's first body row: where each one sits.
	const cells = () => page.evaluate(() => {
		const row = document.querySelector('table.md-table tbody tr');
		return row ? [...row.cells].map(c => {
			const r = c.getBoundingClientRect();
			return { left: Math.round(r.left), top: Math.round(r.top), width: Math.round(r.width),
			         label: getComputedStyle(c, '::before').content };
		}) : [];
	});
	const overflow = () => page.evaluate(() =>
		document.documentElement.scrollWidth - window.innerWidth);

	await page.setViewportSize({ width: 800, height: 1200 });
	await page.goto(pathToFileURL(file).href);
	let c = await cells();
	ok(c.length >= 2, `${name}: the message has a table with ${c.length} columns`);
	ok(c.length >= 2 && c.every(x => x.top === c[0].top) && c[1].left > c[0].left,
	   `${name} at 800 px: the cells of a row sit side by side`);
	ok(await page.locator('table.md-table thead').isVisible(), `${name} at 800 px: the header row shows`);
	await page.screenshot({ path: `${shots}/mail-${name}-800.png`, fullPage: true });

	await page.setViewportSize({ width: 375, height: 1200 });
	c = await cells();
	ok(c.length >= 2 && c.every(x => x.left === c[0].left) && c[1].top > c[0].top,
	   `${name} at 375 px: the cells of a row stack in one column`);
	ok(c.length >= 2 && c.every(x => x.label && x.label !== 'none' && x.label.includes(':')),
	   `${name} at 375 px: each cell is labelled with its column (${c.map(x => x.label).join(' ')})`);
	ok(!(await page.locator('table.md-table thead').isVisible()),
	   `${name} at 375 px: the header row gives way to the labels`);
	const o = await overflow();
	ok(o <= 0, `${name} at 375 px: nothing wider than the screen (${o} px over)`);
	await page.screenshot({ path: `${shots}/mail-${name}-375.png`, fullPage: true });
	ok(external.length === 0, `${name}: no request leaves the message (${external.join(' ')})`);
} finally {
	await browser.close();
}
