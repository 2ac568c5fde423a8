// report.test.mjs - a campaign's report page in headless Chromium (Debian's,
// driven by playwright-core): axe-core finds no serious or critical
// violation, both SVG drawings render with a non-zero size and a text
// alternative, the figures table shows the figures the CLI gave, nothing
// is requested from anywhere but the page itself, and screenshots at 375
// and 1280 px are kept.  Prints TAP.
//
// usage: node report.test.mjs REPORT_URL SHOTS_DIR SENT RECIPIENTS
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axePath = require.resolve('axe-core');

const [url, shots, sent, recipients] = process.argv.slice(2);
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
	const origin = new URL(url).origin;
	// The page has no script (its CSP forbids it); axe is injected past the CSP.
	const context = await browser.newContext({ bypassCSP: true });
	const page = await context.newPage();
	const requests = [];
	page.on('request', r => requests.push(r.url()));
	const r = await page.goto(url);
	ok(r.status() === 200, 'the report link opens (200)');
	ok(await page.getByRole('heading', { level: 1, name: /^Report: / }).isVisible(),
	   'the page is headed with the campaign');
	const figure = async name => (await page.locator('table.figures tr', {
		has: page.locator(`th:text-is("${name}")`) }).first().locator('td').first().textContent()).trim();
	ok(await figure('Sent') === sent, `the figures table says ${sent} sent`);
	ok(await figure('Recipients') === recipients, `and ${recipients} recipients`);

	const svgs = await page.evaluate(() => [...document.querySelectorAll('main svg')].map(s => {
		const b = s.getBoundingClientRect();
		return { w: Math.round(b.width), h: Math.round(b.height), role: s.getAttribute('role'),
		         title: s.querySelector('title')?.textContent || '',
		         marks: s.querySelectorAll('rect').length };
	}));
	ok(svgs.length === 2, `two inline SVG drawings (${svgs.length})`);
	for (const s of svgs) {
		ok(s.w > 0 && s.h > 0 && s.marks > 0,
		   `"${s.title}" renders: ${s.w}x${s.h} px with ${s.marks} bars`);
		ok(s.role === 'img' && s.title !== '', `"${s.title}" is an image with a title`);
	}

	await page.addScriptTag({ path: axePath });
	const result = await page.evaluate(async () => await axe.run());
	const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
	ok(bad.length === 0, 'no serious or critical accessibility violations' +
	   (bad.length ? ` (${bad.map(v => v.id + ': ' + v.nodes.map(x => x.target).join(' ')).join('; ')})` : ''));

	for (const width of [375, 1280]) {
		await page.setViewportSize({ width, height: 900 });
		await page.screenshot({ path: `${shots}/report-${width}.png`, fullPage: true });
		const overflow = await page.evaluate(() =>
			document.documentElement.scrollWidth - window.innerWidth);
		ok(overflow <= 0, `at ${width} px: no horizontal scrolling (${overflow} px)`);
		const chart = await page.evaluate(() =>
			Math.round(document.querySelector('main svg').getBoundingClientRect().width));
		ok(chart > 0 && chart <= width, `at ${width} px: the timeline fits (${chart} px)`);
	}
	// axe itself is added as an inline script, not fetched: every request is the page's own.
	const outside = requests.filter(u => !u.startsWith(origin) && !u.startsWith('data:'));
	ok(outside.length === 0 && requests.length === 1,
	   `the page loads nothing else (${requests.length} request(s)${outside.length ? ': ' + outside.join(' ') : ''})`);
} catch (e) {
	ok(false, `the browser check ran to its end: ${e.message}`);
} finally {
	await browser.close();
}
